# syntax=docker/dockerfile:1
FROM golang:1.20-alpine3.17 AS builder

RUN apk update && apk add --no-cache gcc musl-dev sqlite-dev

WORKDIR /app

COPY go.mod go.sum hello.go doc.go ./
COPY common ./common
COPY users ./users
COPY articles ./articles

RUN go mod download

RUN GOOS=linux go build -o ./realworld

FROM alpine:3.17
WORKDIR /app
COPY --from=builder /app/realworld ./realworld
EXPOSE 8080
CMD [ "./realworld" ]
