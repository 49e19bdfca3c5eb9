# syntax=docker/dockerfile:1

# Word counter, written on Windows.
FROM golang:1.22-alpine AS build

WORKDIR /opt/wordcount

COPY go.mod main.go ./
COPY data/ ./data/

RUN CGO_ENABLED=0 go build \
      -trimpath \
      -o /opt/wordcount/wordcount \
      .

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /opt/wordcount
COPY --from=build /opt/wordcount/wordcount /opt/wordcount/wordcount
COPY --from=build /opt/wordcount/data ./data
ENTRYPOINT ["/opt/wordcount/wordcount"]
CMD ["data/words.txt"]
