//! The server's stdio transport. lsp-server's own reads each message into
//! a buffer of the length its `Content-Length` header claims, before a
//! byte of it has arrived, so one hostile header
//! (`Content-Length: 99999999999999`) aborts the process. This one reads
//! the header itself, refuses a length no editor sends, and hands
//! lsp-server's parser the message whole; the server talks to it over
//! lsp-server's in-memory connection.

use std::io::{self, BufRead, Read};
use std::sync::{Arc, OnceLock};
use std::thread::{self, JoinHandle};

use lsp_server::{Connection, Message, Request, RequestId};

use crate::input::fs::MAX_FILE_BYTES;

/// The longest message read: a spec of the longest stackc reads, with
/// room for JSON's escapes.
const MAX_MESSAGE_BYTES: u64 = 8 * MAX_FILE_BYTES;

/// The longest header line, and the most header lines, of one message
/// (the protocol has two headers).
const MAX_HEADER_LINE: u64 = 1024;
const MAX_HEADER_LINES: usize = 16;

/// The threads that move messages between stdin, stdout and the server.
pub(super) struct Stdio {
    /// Why the reader stopped, when input it refused stopped it: set
    /// before the reader drops its sender, so a server that sees the
    /// connection close finds the reason here (joining the reader would
    /// race its exit, and wait forever on a reader still reading stdin).
    refused: Arc<OnceLock<io::Error>>,
    writer: JoinHandle<io::Result<()>>,
}

/// The server's end of a connection whose other end is stdin and stdout.
pub(super) fn stdio() -> (Connection, Stdio) {
    let (server, client) = Connection::memory();
    let Connection { sender, receiver } = client;
    let refused = Arc::new(OnceLock::new());
    let reason = Arc::clone(&refused);
    thread::spawn(move || {
        if let Err(error) = forward(|message| sender.send(message).is_ok()) {
            let _ = reason.set(error);
        }
        drop(sender);
    });
    let writer = thread::spawn(move || {
        let stdout = io::stdout();
        let mut output = stdout.lock();
        receiver.into_iter().try_for_each(|message| message.write(&mut output))
    });
    (server, Stdio { refused, writer })
}

/// The method a request that is no request is handed to the server as,
/// with why as its parameters: the server answers it with InvalidRequest
/// under its id (the reader holds no way to stdout of its own, so the
/// writer ends when the server does).
pub(super) const UNREADABLE_REQUEST: &str = "$/stackc/unreadableRequest";

/// Hands the messages of stdin to `send` until `exit`, the end of the
/// input, a `send` that fails (the server is gone), or input it refuses
/// (the error); a request it cannot read goes as [`UNREADABLE_REQUEST`].
fn forward(mut send: impl FnMut(Message) -> bool) -> io::Result<()> {
    let stdin = io::stdin();
    let mut input = stdin.lock();
    while let Some(message) = read(&mut input)? {
        // A whole message that is not one (bad JSON, no `method`) leaves
        // the stream in step: it is skipped, and said on stderr, the
        // server's log in an editor (the reason cut short: it may quote
        // the whole message). One with an `id` is answered with an error,
        // so the client does not wait for it forever.
        let message = match message {
            Ok(message) => message,
            Err(Unreadable { reason, id }) => {
                let reason: String = reason.chars().take(MAX_REASON_CHARS).collect();
                eprintln!("stackc lsp: skipped a message: {reason}");
                if let Some(id) = id {
                    let request = Request::new(id, UNREADABLE_REQUEST.to_string(), reason);
                    if !send(Message::Request(request)) {
                        break;
                    }
                }
                continue;
            }
        };
        let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
        if !send(message) || exit {
            break;
        }
    }
    Ok(())
}

impl Stdio {
    /// Waits until every answer is written, once the server has dropped
    /// its connection; input the reader refused is the reason the session
    /// ended. The reader is not waited for: it may be waiting for input.
    pub(super) fn join(self) -> io::Result<()> {
        let written = self
            .writer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the writer failed")));
        if let Some(refused) = self.refused.get() {
            return Err(io::Error::new(refused.kind(), refused.to_string()));
        }
        written
    }
}

/// How much of why a message was skipped the log keeps.
const MAX_REASON_CHARS: usize = 200;

/// A whole message that is no JSON-RPC message: why, and its `id` when it
/// has one to answer.
#[derive(Debug)]
struct Unreadable {
    reason: String,
    id: Option<RequestId>,
}

impl Unreadable {
    /// Why `body` is not a message, and the `id` a JSON object of it has.
    fn of(body: &[u8], reason: String) -> Self {
        let value: Option<serde_json::Value> = serde_json::from_slice(body).ok();
        let id = value.as_ref().and_then(|v| v.get("id")).and_then(|id| match id {
            serde_json::Value::Number(n) => n.as_i64().and_then(|n| i32::try_from(n).ok()).map(RequestId::from),
            serde_json::Value::String(s) => Some(RequestId::from(s.clone())),
            _ => None,
        });
        Unreadable { reason, id }
    }
}

/// The next message, or `None` at the end of the input; the inner error
/// says why a whole message (its header and its `Content-Length` bytes)
/// is not a JSON-RPC message. The outer error is a stream that cannot be
/// read on: a bad header (two lengths among them: which one frames the
/// message is a guess), or the end of the input inside a message.
fn read(input: &mut impl BufRead) -> io::Result<Option<Result<Message, Unreadable>>> {
    let mut message = Vec::new();
    let mut length = None;
    for _ in 0..MAX_HEADER_LINES {
        let mut line = Vec::new();
        input.by_ref().take(MAX_HEADER_LINE).read_until(b'\n', &mut line)?;
        if line.is_empty() && message.is_empty() {
            return Ok(None);
        }
        if !line.ends_with(b"\n") {
            return Err(invalid("a header line that does not end"));
        }
        message.extend_from_slice(&line);
        let text = std::str::from_utf8(&line).map_err(|_| invalid("a header that is not UTF-8"))?;
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            let length = length.ok_or_else(|| invalid("a message without Content-Length"))?;
            let body = message.len();
            input.take(length).read_to_end(&mut message)?;
            if ((message.len() - body) as u64) < length {
                return Err(invalid("a message cut short by the end of the input"));
            }
            return Ok(Message::read(&mut message.as_slice())
                .map_err(|e| Unreadable::of(&message[body..], e.to_string()))
                .transpose());
        }
        let Some((name, value)) = text.split_once(':') else {
            return Err(invalid("a header line without `:`"));
        };
        if name.trim().eq_ignore_ascii_case("Content-Length") {
            if length.is_some() {
                return Err(invalid("two Content-Length headers"));
            }
            let value: u64 = value
                .trim()
                .parse()
                .map_err(|_| invalid("a Content-Length that is no number"))?;
            if value > MAX_MESSAGE_BYTES {
                return Err(invalid(&format!(
                    "a message of {value} bytes, more than the {MAX_MESSAGE_BYTES} stackc reads"
                )));
            }
            length = Some(value);
        }
    }
    Err(invalid("a header of too many lines"))
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("the client sent {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn reads_messages_in_turn_and_the_end() {
        let body = r#"{"jsonrpc":"2.0","method":"exit"}"#;
        let text = format!("{}{}", framed(body), framed(body));
        let mut input = text.as_bytes();
        for _ in 0..2 {
            assert!(matches!(read(&mut input), Ok(Some(Ok(Message::Notification(_))))));
        }
        assert!(read(&mut input).unwrap().is_none());
    }

    #[test]
    fn refuses_what_no_editor_sends_before_reading_it() {
        for text in [
            "Content-Length: 99999999999999\r\n\r\n{}".to_string(),
            "Content-Length: 184467440737095516150\r\n\r\n{}".to_string(),
            format!("X-Long: {}\r\n\r\n", "a".repeat(5000)),
            "X: y\r\n".repeat(100),
            "\r\n{}".to_string(),
            "Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}".to_string(),
        ] {
            let error = read(&mut text.as_bytes()).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidData, "{text:.60}");
        }
    }

    /// A whole message that is no JSON-RPC message is skipped, and the
    /// next one read: the stream is still in step.
    #[test]
    fn a_whole_message_that_is_no_message_is_skipped() {
        let exit = r#"{"jsonrpc":"2.0","method":"exit"}"#;
        for bad in ["{{{{{", "[]", r#"{"jsonrpc":"2.0"}"#, "\u{0}"] {
            let text = format!("{}{}", framed(bad), framed(exit));
            let mut input = text.as_bytes();
            assert!(
                matches!(read(&mut input), Ok(Some(Err(Unreadable { id: None, .. })))),
                "{bad}"
            );
            assert!(
                matches!(read(&mut input), Ok(Some(Ok(Message::Notification(_))))),
                "{bad}"
            );
        }
    }

    /// One with an `id` is answered: its id is kept.
    #[test]
    fn a_request_that_is_no_request_keeps_its_id() {
        for (bad, id) in [
            (r#"{"jsonrpc":"2.0","id":7,"params":{}}"#, RequestId::from(7)),
            (
                r#"{"jsonrpc":"2.0","id":"a","method":3}"#,
                RequestId::from("a".to_string()),
            ),
        ] {
            let text = framed(bad);
            match read(&mut text.as_bytes()) {
                Ok(Some(Err(Unreadable { id: Some(found), .. }))) => assert_eq!(found, id, "{bad}"),
                _ => panic!("{bad}"),
            }
        }
    }

    #[test]
    fn a_message_cut_short_is_an_error() {
        assert!(read(&mut "Content-Length: 100\r\n\r\n{}".as_bytes()).is_err());
    }
}
