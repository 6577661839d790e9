# The kernel daemon and its vat-worker in one image.
#
#   docker build -t ocap-kernel .
#   docker run ocap-kernel serve --db postgres://... --metrics-addr 0.0.0.0:9464
#
# docker-compose.yml runs it on PostgreSQL with Prometheus and Grafana.

FROM golang:1.26-trixie AS build
WORKDIR /src
# Modules first: they change less often than the code.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Pure Go (the SQLite driver needs no cgo): the binaries run on any libc.
ENV CGO_ENABLED=0
RUN make build

FROM debian:trixie-slim
# ca-certificates: vats may fetch over https.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/ocap --shell /usr/sbin/nologin ocap \
 && install -d -o ocap -g ocap -m 0700 /var/lib/ocap /run/ocap
# Both binaries in one folder: the kernel finds vat-worker beside itself.
COPY --from=build /src/bin/kernel /src/bin/vat-worker /opt/ocap/bin/
# The demo system subcluster of docker-compose.yml.
COPY testdata/clusters/hello.json /opt/ocap/demo/clusters/hello.json
COPY testdata/vats/hello-alice.js testdata/vats/hello-bob.js /opt/ocap/demo/vats/
ENV PATH=/opt/ocap/bin:$PATH \
    XDG_STATE_HOME=/var/lib \
    XDG_RUNTIME_DIR=/run
# With the two XDG folders above the defaults are the store
# sqlite:///var/lib/ocap/kernel.db and the socket /run/ocap/kernel.sock,
# so `docker exec ... kernel status` finds the daemon without flags.
USER ocap
WORKDIR /var/lib/ocap
EXPOSE 9464
STOPSIGNAL SIGTERM
ENTRYPOINT ["kernel"]
CMD ["serve", "--metrics-addr", "0.0.0.0:9464", "--log-format", "json"]
