//! A tiny static file server on `std::net` for `www/dist`: enough for `cargo xtask serve` and
//! the browser tests (GET and HEAD, correct MIME types including `application/wasm`, no
//! directory listings, nothing outside the served folder).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

/// Serves `dir` on `listener` from a background thread (one thread per connection).
pub fn spawn(dir: PathBuf, listener: TcpListener, log: bool) {
    std::thread::spawn(move || serve(&dir, &listener, log));
}

/// Serves `dir` on `listener` until the process ends.
pub fn serve(dir: &Path, listener: &TcpListener, log: bool) {
    for stream in listener.incoming().flatten() {
        let dir = dir.to_path_buf();
        std::thread::spawn(move || {
            if let Err(e) = handle(&dir, stream, log) {
                if log {
                    eprintln!("serve: {e}");
                }
            }
        });
    }
}

fn handle(dir: &Path, mut stream: TcpStream, log: bool) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // drain the headers; we need none of them
    let mut header = String::new();
    while reader.read_line(&mut header)? > 2 {
        header.clear();
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (status, content_type, body) = respond(dir, method, target);
    if log {
        println!("{status} {method} {target}");
    }
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    if method != "HEAD" {
        stream.write_all(&body)?;
    }
    stream.flush()
}

fn respond(dir: &Path, method: &str, target: &str) -> (&'static str, &'static str, Vec<u8>) {
    const TEXT: &str = "text/plain; charset=utf-8";
    if method != "GET" && method != "HEAD" {
        return ("405 Method Not Allowed", TEXT, b"method not allowed\n".to_vec());
    }
    let Some(path) = resolve(dir, target) else {
        return ("400 Bad Request", TEXT, b"bad request\n".to_vec());
    };
    match std::fs::read(&path) {
        Ok(body) => ("200 OK", mime(&path), body),
        Err(_) => ("404 Not Found", TEXT, b"not found\n".to_vec()),
    }
}

/// Maps a request target to a file under `dir`; `None` for anything that would leave it.
fn resolve(dir: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next().unwrap_or("");
    let path = percent_decode(path.strip_prefix('/')?)?;
    let mut out = dir.to_path_buf();
    for component in Path::new(&path).components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if path.is_empty() || path.ends_with('/') || out.is_dir() {
        out.push("index.html");
    }
    Some(out)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let s = String::from_utf8(out).ok()?;
    (!s.contains('\0') && !s.contains('\\')).then_some(s)
}

fn mime(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" | "qof" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn resolves_inside_the_folder_only() {
        let dir = Path::new("/srv/www");
        assert_eq!(resolve(dir, "/"), Some(dir.join("index.html")));
        assert_eq!(resolve(dir, "/assets/a.js?v=1"), Some(dir.join("assets/a.js")));
        assert_eq!(resolve(dir, "/a%20b.css"), Some(dir.join("a b.css")));
        assert_eq!(resolve(dir, "/../etc/passwd"), None);
        assert_eq!(resolve(dir, "/assets/%2e%2e/%2e%2e/etc/passwd"), None);
        assert_eq!(resolve(dir, "//etc/passwd"), None);
        assert_eq!(resolve(dir, "no-slash"), None);
    }

    #[test]
    fn serves_files_with_their_mime_types() {
        let dir = std::env::temp_dir().join(format!("xtask-serve-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), "<p>hi</p>").unwrap();
        std::fs::write(dir.join("m.wasm"), b"\0asm").unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        spawn(dir.clone(), listener, false);

        let get = |path: &str| {
            let mut s = TcpStream::connect(addr).unwrap();
            write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).unwrap();
            out
        };
        let index = get("/");
        assert!(index.starts_with("HTTP/1.1 200 OK\r\n"), "{index}");
        assert!(index.contains("Content-Type: text/html; charset=utf-8\r\n"), "{index}");
        assert!(index.ends_with("\r\n\r\n<p>hi</p>"), "{index}");
        let wasm = get("/m.wasm");
        assert!(wasm.contains("Content-Type: application/wasm\r\n"), "{wasm}");
        assert!(wasm.contains("Content-Length: 4\r\n"), "{wasm}");
        assert!(get("/missing.js").starts_with("HTTP/1.1 404 "));
        assert!(get("/../Cargo.toml").starts_with("HTTP/1.1 400 "));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
