//! Slow links that are real: a network namespace of the test's own, reached from the test's namespace
//! over a link that holds every packet for a set time in each direction, so that TCP, TLS and HTTP
//! take the time they would over a distant network. The link is a veth pair with `tc netem` delay
//! where the kernel has netem; where it has not (some VM kernels leave it out), a pair of TUN devices
//! with a delay line between them in this process: the packets still go through both kernels' TCP.
//! Everything is made with iproute2 and removed on drop. Where nothing can be made (not root, no
//! iproute2, no namespaces) the test says so and is skipped; with `XKS_REQUIRE_SLOW_LINKS` set (CI sets
//! it) it fails instead, so that a skipped slow-link test can never pass unseen.

use std::fs::File;
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Runs `f` on a thread that has entered the network namespace `netns` (made with `ip netns add`).
pub fn inside<T: Send>(netns: &str, f: impl FnOnce() -> T + Send) -> T {
    let handle = File::open(format!("/run/netns/{netns}")).unwrap_or_else(|e| panic!("namespace {netns}: {e}"));
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                // SAFETY: setns on this thread only, with a namespace file it holds open.
                let entered = unsafe { libc::setns(handle.as_raw_fd(), libc::CLONE_NEWNET) };
                assert_eq!(entered, 0, "setns into {netns}: {}", std::io::Error::last_os_error());
                f()
            })
            .join()
            .expect("the namespace thread panicked")
    })
}

fn ip(args: &[&str]) -> Result<(), String> {
    run("ip", args)
}

fn run(program: &str, args: &[&str]) -> Result<(), String> {
    let output = Command::new(program).args(args).output().map_err(|e| format!("{program}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!("{program} {}: {}", args.join(" "), String::from_utf8_lossy(&output.stderr).trim()))
    }
}

/// A namespace behind a delayed link, and how the delay is made.
pub struct SlowLink {
    pub netns: String,
    /// The namespace's address, where its servers listen.
    pub server_ip: Ipv4Addr,
    /// `veth + tc netem` or `TUN delay line`.
    pub how: &'static str,
    host_link: String,
    delay_line: Option<DelayLine>,
}

impl SlowLink {
    /// A namespace `one_way` away in each direction, or why this host cannot make one.
    pub fn new(one_way: Duration) -> Result<SlowLink, String> {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        // Unambiguous per process and link (interface names hold at most 15 characters).
        let id = format!("{}-{n}", std::process::id() % 1_000_000);
        let netns = format!("xkspf{id}");
        let (host_link, ns_link) = (format!("xkh{id}"), format!("xkn{id}"));
        let subnet = [10, 200 + (std::process::id() % 50) as u8, n as u8];
        let host_ip = Ipv4Addr::new(subnet[0], subnet[1], subnet[2], 1);
        let server_ip = Ipv4Addr::new(subnet[0], subnet[1], subnet[2], 2);
        ip(&["netns", "add", &netns])?;
        let mut link = SlowLink { netns, server_ip, how: "veth + tc netem", host_link, delay_line: None };
        match link.veth_with_netem(&ns_link, host_ip, one_way) {
            Ok(()) => Ok(link),
            Err(netem) => {
                let _ = ip(&["link", "del", &link.host_link]);
                link.how = "TUN delay line";
                link.tun_pair(&ns_link, host_ip, one_way).map_err(|tun| format!("{netem}; then {tun}"))?;
                Ok(link)
            }
        }
    }

    fn veth_with_netem(&self, ns_link: &str, host_ip: Ipv4Addr, one_way: Duration) -> Result<(), String> {
        let (host, server) = (format!("{host_ip}/30"), format!("{}/30", self.server_ip));
        let delay = format!("{}ms", one_way.as_millis());
        ip(&["link", "add", &self.host_link, "type", "veth", "peer", "name", ns_link, "netns", &self.netns])?;
        ip(&["addr", "add", &host, "dev", &self.host_link])?;
        ip(&["link", "set", &self.host_link, "up"])?;
        ip(&["-n", &self.netns, "addr", "add", &server, "dev", ns_link])?;
        ip(&["-n", &self.netns, "link", "set", ns_link, "up"])?;
        ip(&["-n", &self.netns, "link", "set", "lo", "up"])?;
        run("tc", &["qdisc", "add", "dev", &self.host_link, "root", "netem", "delay", &delay])?;
        run(
            "ip",
            &["netns", "exec", &self.netns, "tc", "qdisc", "add", "dev", ns_link, "root", "netem", "delay", &delay],
        )
    }

    fn tun_pair(&mut self, ns_link: &str, host_ip: Ipv4Addr, one_way: Duration) -> Result<(), String> {
        let (host, server) = (host_ip.to_string(), self.server_ip.to_string());
        ip(&["tuntap", "add", "mode", "tun", "name", &self.host_link])?;
        ip(&["addr", "add", &host, "peer", &server, "dev", &self.host_link])?;
        ip(&["link", "set", &self.host_link, "up"])?;
        ip(&["-n", &self.netns, "tuntap", "add", "mode", "tun", "name", ns_link])?;
        ip(&["-n", &self.netns, "addr", "add", &server, "peer", &host, "dev", ns_link])?;
        ip(&["-n", &self.netns, "link", "set", ns_link, "up"])?;
        ip(&["-n", &self.netns, "link", "set", "lo", "up"])?;
        let near = attach(&self.host_link)?;
        let far = inside(&self.netns, || attach(ns_link))?;
        self.delay_line = Some(DelayLine::start(near, far, one_way));
        Ok(())
    }
}

impl Drop for SlowLink {
    fn drop(&mut self) {
        self.delay_line.take();
        // The namespace takes its end of the link with it; a TUN device on this side stays until removed.
        let _ = ip(&["netns", "del", &self.netns]);
        let _ = ip(&["link", "del", &self.host_link]);
    }
}

/// A slow link, or `None` after saying why the test is skipped (a failure when slow links are required).
pub fn slow_link_or_skip(one_way: Duration, test: &str) -> Option<SlowLink> {
    match SlowLink::new(one_way) {
        Ok(link) => Some(link),
        Err(why) if std::env::var_os("XKS_REQUIRE_SLOW_LINKS").is_some() => {
            panic!("{test}: slow links are required here (XKS_REQUIRE_SLOW_LINKS), but: {why}")
        }
        Err(why) => {
            eprintln!("SKIPPED {test}: cannot make a slow link on this host: {why}");
            None
        }
    }
}

/// The TUN device `name`, opened for its packets (no packet-information header).
fn attach(name: &str) -> Result<OwnedFd, String> {
    const TUNSETIFF: libc::c_ulong = 0x4004_54ca;
    #[repr(C)]
    struct InterfaceRequest {
        name: [u8; libc::IFNAMSIZ],
        flags: libc::c_short,
        _rest: [u8; 22],
    }
    // SAFETY: a plain open; the descriptor is owned at once.
    let fd = unsafe { libc::open(c"/dev/net/tun".as_ptr(), libc::O_RDWR) };
    if fd < 0 {
        return Err(format!("/dev/net/tun: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: `fd` was just opened and is owned by nothing else.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut request = InterfaceRequest { name: [0; libc::IFNAMSIZ], flags: 0, _rest: [0; 22] };
    request.name[..name.len()].copy_from_slice(name.as_bytes());
    request.flags = (libc::IFF_TUN | libc::IFF_NO_PI) as libc::c_short;
    // SAFETY: TUNSETIFF reads and writes an ifreq, which `request` is laid out as.
    let attached = unsafe { libc::ioctl(fd.as_raw_fd(), TUNSETIFF as _, &mut request) };
    if attached < 0 {
        return Err(format!("TUNSETIFF {name}: {}", std::io::Error::last_os_error()));
    }
    Ok(fd)
}

/// Copies packets between two TUN devices, each held for the delay: two readers, two writers.
struct DelayLine {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl DelayLine {
    fn start(near: OwnedFd, far: OwnedFd, delay: Duration) -> DelayLine {
        let stop = Arc::new(AtomicBool::new(false));
        let (near, far) = (Arc::new(near), Arc::new(far));
        let mut threads = Vec::new();
        for (from, to) in [(near.clone(), far.clone()), (far, near)] {
            let (send, receive) = mpsc::channel::<(Instant, Vec<u8>)>();
            let reading = stop.clone();
            threads.push(std::thread::spawn(move || {
                let mut buffer = vec![0u8; 65536];
                // Until the link is dropped; each turn waits at most 100 ms.
                while !reading.load(Ordering::SeqCst) {
                    let mut poll = libc::pollfd { fd: from.as_raw_fd(), events: libc::POLLIN, revents: 0 };
                    // SAFETY: one pollfd for a descriptor this thread holds.
                    if unsafe { libc::poll(&mut poll, 1, 100) } <= 0 {
                        continue;
                    }
                    // A device that went away would otherwise poll ready for ever.
                    if poll.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 {
                        break;
                    }
                    // SAFETY: reads into a buffer of the given length.
                    let read = unsafe { libc::read(from.as_raw_fd(), buffer.as_mut_ptr().cast(), buffer.len()) };
                    if read > 0 && send.send((Instant::now() + delay, buffer[..read as usize].to_vec())).is_err() {
                        break;
                    }
                }
            }));
            let writing = stop.clone();
            threads.push(std::thread::spawn(move || {
                while !writing.load(Ordering::SeqCst) {
                    let (due, packet) = match receive.recv_timeout(Duration::from_millis(100)) {
                        Ok(packet) => packet,
                        Err(mpsc::RecvTimeoutError::Timeout) => continue,
                        Err(mpsc::RecvTimeoutError::Disconnected) => break,
                    };
                    std::thread::sleep(due.saturating_duration_since(Instant::now()));
                    // SAFETY: writes one whole packet from a buffer of that length.
                    unsafe { libc::write(to.as_raw_fd(), packet.as_ptr().cast(), packet.len()) };
                }
            }));
        }
        DelayLine { stop, threads }
    }
}

impl Drop for DelayLine {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}
