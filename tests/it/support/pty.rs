//! The binary run on a real pseudo-terminal of a given width, as a person runs it: standard input,
//! output and error all on the terminal, COLUMNS unset, so that the width comes from the terminal itself.

use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};

pub struct Screen {
    pub code: i32,
    /// Everything drawn on the terminal, with the terminal's CR LF line ends made LF.
    pub drawn: String,
}

/// Runs the binary with `args` on a terminal `columns` wide; `typed` is written to the terminal once
/// the prompt `after` has been drawn (or at once, when `after` is empty).
pub fn on_terminal(columns: u16, args: &[&str], typed: Option<(&str, &str)>) -> Screen {
    let mut process = super::process(None);
    process.env_remove("COLUMNS").args(args);
    drive(process, columns, typed.as_slice())
}

/// Runs `process` with a terminal `columns` wide as its standard input, output and error, and its
/// controlling terminal. Each step's text is typed once what it waits for has been drawn (at once
/// when that is empty), in order. Reads until the process has ended; one still running after 30 s is
/// killed.
pub fn drive(mut process: std::process::Command, columns: u16, steps: &[(&str, &str)]) -> Screen {
    let (mut controller, mut device) = (-1, -1);
    let size = libc::winsize { ws_row: 50, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: openpty writes two new descriptors into the integers given; the others may be null.
    let opened = unsafe { libc::openpty(&mut controller, &mut device, std::ptr::null_mut(), std::ptr::null(), &size) };
    assert_eq!(opened, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just opened and belong to nothing else.
    let (controller, device) = unsafe { (OwnedFd::from_raw_fd(controller), OwnedFd::from_raw_fd(device)) };
    process.env("TERM", "xterm-256color");
    process.stdin(device.try_clone().unwrap()).stdout(device.try_clone().unwrap()).stderr(device);
    // The child gets the terminal as its controlling terminal, as a shell would give it.
    // SAFETY: setsid and ioctl are async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut process, || {
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = std::sync::Arc::new(std::sync::Mutex::new(process.spawn().unwrap()));
    // The test's copies of the device are closed: the terminal ends when the child's are.
    drop(process);
    let (done, ended) = std::sync::mpsc::channel::<()>();
    let watched = child.clone();
    let watchdog = std::thread::spawn(move || {
        if ended.recv_timeout(std::time::Duration::from_secs(30)).is_err() {
            let _ = watched.lock().unwrap().kill();
        }
    });
    let mut terminal = std::fs::File::from(controller);
    let mut drawn = Vec::new();
    let mut buffer = [0u8; 4096];
    let mut steps = steps.iter();
    let mut next = steps.next();
    // Where the output not yet looked at by a step begins.
    let mut unseen = 0;
    // Ends when the child has exited and its side of the terminal closed (EIO), or after 8192 reads.
    for _ in 0..8192 {
        while let Some((after, text)) = next {
            if !String::from_utf8_lossy(&drawn[unseen..]).contains(after) {
                break;
            }
            terminal.write_all(text.as_bytes()).unwrap();
            unseen = drawn.len();
            next = steps.next();
        }
        match terminal.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => drawn.extend_from_slice(&buffer[..n]),
        }
    }
    let status = loop {
        // Bounded: the watchdog kills the child after 30 s.
        if let Some(status) = child.lock().unwrap().try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let _ = done.send(());
    watchdog.join().unwrap();
    Screen { code: status.code().unwrap_or(-1), drawn: String::from_utf8_lossy(&drawn).replace("\r\n", "\n") }
}

impl Screen {
    /// The lines drawn wider than the terminal, styles left out.
    pub fn wider_than(&self, columns: usize) -> Vec<String> {
        self.drawn.lines().map(strip_styles).filter(|line| line.chars().count() > columns).collect()
    }
}

/// Text without its terminal control sequences: styles and cursor moves (ESC [ … final byte),
/// titles (ESC ] … BEL) and two-character escapes.
pub fn strip_styles(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            if c != '\r' && c != '\u{7}' && c != '\u{8}' {
                out.push(c);
            }
            continue;
        }
        // Each sequence ends within the text, which is finite.
        match chars.next() {
            Some('[') => {
                for d in chars.by_ref() {
                    if ('@'..='~').contains(&d) {
                        break;
                    }
                }
            }
            Some(']') => {
                for d in chars.by_ref() {
                    if d == '\u{7}' {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}
