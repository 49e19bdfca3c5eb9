# A split of tests/verify/busybox-site that forgets the stylesheet: GET /style.css answers 404.
FROM alpine:3.20 AS site
WORKDIR /srv
COPY site ./site

FROM alpine:3.20
WORKDIR /srv
COPY --from=site /srv/site/index.html ./site/index.html
EXPOSE 8080
CMD ["busybox", "httpd", "-f", "-p", "8080", "-h", "site"]
