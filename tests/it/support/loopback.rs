//! A server on 127.0.0.1 (or in a test's own network namespace) for the tests: its own thread and
//! runtime, one task per connection, stopped (and joined) when dropped. A socket stays in the namespace
//! it was made in, so only the binding needs to happen inside.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

pub struct Loopback {
    pub address: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Loopback {
    pub fn start<F, Fut>(on_connection: F) -> Loopback
    where
        F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        Loopback::serve(listener, on_connection)
    }

    /// A plain HTTP/1.1 server (the tests' AWS endpoints): `answer` serves each request with `state`.
    pub fn http<S, A, Fut>(state: S, answer: A) -> Loopback
    where
        S: Clone + Send + 'static,
        A: Fn(S, Request<Incoming>) -> Fut + Clone + Send + 'static,
        Fut: Future<Output = Result<Response<Full<Bytes>>, Infallible>> + Send + 'static,
    {
        Loopback::start(move |stream| {
            let (state, answer) = (state.clone(), answer.clone());
            async move {
                let service = service_fn(move |request| answer(state.clone(), request));
                let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            }
        })
    }

    /// The same server, listening on `ip` inside the test's network namespace `netns`.
    pub fn start_in<F, Fut>(netns: &str, ip: std::net::IpAddr, on_connection: F) -> Loopback
    where
        F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let listener = super::netns::inside(netns, move || std::net::TcpListener::bind((ip, 0)))
            .unwrap_or_else(|e| panic!("bind {ip} in {netns}: {e}"));
        Loopback::serve(listener, on_connection)
    }

    fn serve<F, Fut>(listener: std::net::TcpListener, on_connection: F) -> Loopback
    where
        F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        listener.set_nonblocking(true).unwrap();
        let address = listener.local_addr().unwrap();
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    tokio::select! {
                        _ = &mut stopped => break,
                        accepted = listener.accept() => {
                            if let Ok((stream, _)) = accepted {
                                // As proxies' HTTP servers do (nginx's tcp_nodelay): answers go out at once.
                                let _ = stream.set_nodelay(true);
                                tokio::spawn(on_connection(stream));
                            }
                        }
                    }
                }
            });
        });
        Loopback { address, stop: Some(stop), thread: Some(thread) }
    }
}

impl Drop for Loopback {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
