//! One DNS question to one chosen server, outside the resolver: the DNS whoami sources (which
//! must be asked directly, over the family being detected) and the zone's authoritative
//! servers (which must be asked directly, so that no cache answers). The wire format is
//! hickory-proto's; `check` is pure, `ask` sends one UDP exchange and asks again over TCP when
//! the reply is truncated. A reply counts only if it is a response with our id and our
//! question; stray datagrams are skipped until the time bound, so a spoofed reply cannot win.

use hickory_proto::op::{Message, MessageType, Query};
use hickory_proto::rr::{DNSClass, Name, RecordType};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

/// A question to ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// The name, fully qualified (with the trailing dot).
    pub name: String,
    /// The record type.
    pub kind: RecordType,
    /// The class (IN, or CH for Cloudflare's whoami).
    pub class: DNSClass,
    /// Whether to ask the server to recurse (a resolver) or not (an authoritative server).
    pub recursion: bool,
}

impl Question {
    /// The query message with message id `id`.
    pub fn to_bytes(&self, id: u16) -> Vec<u8> {
        let mut query = Query::query(Name::from_ascii(&self.name).unwrap_or_default(), self.kind);
        query.set_query_class(self.class);
        let mut message = Message::new();
        message
            .set_id(id)
            .set_message_type(MessageType::Query)
            .set_recursion_desired(self.recursion)
            .add_query(query);
        message.to_vec().unwrap_or_default()
    }

    /// Whether `message` answers this question (its first question is ours).
    fn answered_by(&self, message: &Message) -> bool {
        message.queries().first().is_some_and(|q| {
            q.name().to_ascii().eq_ignore_ascii_case(&self.name) && q.query_type() == self.kind
        })
    }
}

/// What a datagram is, for the question asked with `id`.
#[derive(Debug)]
pub enum Checked {
    /// A reply to another query (or not a response at all): skip it.
    NotOurs,
    /// Our reply, truncated: ask again over TCP.
    Truncated,
    /// Our reply.
    Reply(Box<Message>),
}

/// Check `bytes` against the question asked with `id`. `Err` when they are not DNS at all.
pub fn check(question: &Question, id: u16, bytes: &[u8]) -> Result<Checked, &'static str> {
    let message = Message::from_vec(bytes).map_err(|_| "sent a reply that is not DNS")?;
    if message.id() != id
        || message.message_type() != MessageType::Response
        || !question.answered_by(&message)
    {
        return Ok(Checked::NotOurs);
    }
    if message.truncated() {
        return Ok(Checked::Truncated);
    }
    Ok(Checked::Reply(Box::new(message)))
}

/// Ask `server` the question within `timeout` per exchange. The error is a short phrase for
/// the caller's sentence ("did not answer (timed out)").
pub fn ask(question: &Question, server: SocketAddr, timeout: Duration) -> Result<Message, String> {
    let fail = |e: std::io::Error| format!("did not answer ({e})");
    let mut id = [0u8; 2];
    getrandom::getrandom(&mut id).map_err(|e| format!("could not get random bytes ({e})"))?;
    let id = u16::from_be_bytes(id);
    let query = question.to_bytes(id);
    let bind = if server.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let socket = UdpSocket::bind(bind).map_err(fail)?;
    socket.set_read_timeout(Some(timeout)).map_err(fail)?;
    socket.connect(server).map_err(fail)?;
    socket.send(&query).map_err(fail)?;
    let mut buf = [0u8; 1500];
    loop {
        let n = socket.recv(&mut buf).map_err(fail)?;
        match check(question, id, &buf[..n]).map_err(str::to_string)? {
            Checked::NotOurs => {}
            Checked::Reply(message) => return Ok(*message),
            Checked::Truncated => break,
        }
    }
    let mut stream = TcpStream::connect_timeout(&server, timeout).map_err(fail)?;
    stream.set_read_timeout(Some(timeout)).map_err(fail)?;
    stream.set_write_timeout(Some(timeout)).map_err(fail)?;
    let len = u16::try_from(query.len()).unwrap_or(0).to_be_bytes();
    stream
        .write_all(&[&len[..], &query].concat())
        .map_err(fail)?;
    let mut len = [0u8; 2];
    stream.read_exact(&mut len).map_err(fail)?;
    let mut body = vec![0u8; usize::from(u16::from_be_bytes(len))];
    stream.read_exact(&mut body).map_err(fail)?;
    match check(question, id, &body).map_err(str::to_string)? {
        Checked::Reply(message) => Ok(*message),
        Checked::Truncated => Err("sent a truncated reply over TCP".into()),
        Checked::NotOurs => Err("answered a different question over TCP".into()),
    }
}
