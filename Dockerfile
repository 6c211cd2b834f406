# The image the Kubernetes recipe of docs/running-on-a-schedule.md runs: the tool alone, as a user
# that is not root, on a distroless base (glibc and CA certificates; no shell, no package manager).
#   docker build -t xks-preflight .
#   docker run --rm xks-preflight check --example failed-vpc

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
# The same release profile as `cargo install` (stripped, thin LTO); --locked builds the tested versions.
RUN cargo install --locked --path . --root /out

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/bin/xks-preflight /usr/local/bin/xks-preflight
# 65532 is the distroless image's nonroot user.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/xks-preflight"]
CMD ["--help"]
