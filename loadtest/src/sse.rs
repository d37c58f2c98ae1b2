//! A server-sent events parser: bytes in, complete events out. Pure, so it is tested without a server.

/// One complete event: its `id:` (the case-log position on a Quickclear feed) and its `data:` lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SseEvent {
    pub id: Option<String>,
    pub data: String,
}

/// Feeds on chunks as they come off the wire (a chunk may end anywhere, even inside a UTF-8 character).
#[derive(Debug, Default)]
pub struct SseParser {
    pending: Vec<u8>,
    data: Option<String>,
    id: Option<String>,
}

impl SseParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes the next chunk and returns the events it completed, in order.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        self.pending.extend_from_slice(chunk);
        let mut events = Vec::new();
        let mut start = 0;
        while let Some(end) = self.pending[start..].iter().position(|b| *b == b'\n') {
            let mut line = &self.pending[start..start + end];
            start += end + 1;
            if let [rest @ .., b'\r'] = line {
                line = rest;
            }
            let line = String::from_utf8_lossy(line).into_owned();
            if let Some(event) = self.line(&line) {
                events.push(event);
            }
        }
        self.pending.drain(..start);
        events
    }

    fn line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            let data = self.data.take()?;
            return Some(SseEvent {
                id: self.id.take(),
                data,
            });
        }
        if line.starts_with(':') {
            return None; // a comment: the keep-alive
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "data" => match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            },
            "id" => self.id = Some(value.to_owned()),
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_events_split_anywhere() {
        let wire = "id: 7\ndata: {\"a\":1}\n\n: keep-alive\n\nid: 9\r\ndata: é\r\n\r\n";
        for split in 0..wire.len() {
            let mut parser = SseParser::new();
            let mut events = parser.push(&wire.as_bytes()[..split]);
            events.extend(parser.push(&wire.as_bytes()[split..]));
            assert_eq!(
                events,
                vec![
                    SseEvent {
                        id: Some("7".into()),
                        data: "{\"a\":1}".into()
                    },
                    SseEvent {
                        id: Some("9".into()),
                        data: "é".into()
                    },
                ],
                "split at {split}"
            );
        }
    }

    #[test]
    fn joins_data_lines_and_ignores_unknown_fields() {
        let mut parser = SseParser::new();
        let events = parser.push(b"event: x\ndata: one\ndata:two\nretry: 5\n\n");
        assert_eq!(
            events,
            vec![SseEvent {
                id: None,
                data: "one\ntwo".into()
            }]
        );
    }

    #[test]
    fn a_blank_line_without_data_is_no_event() {
        let mut parser = SseParser::new();
        assert!(parser.push(b"\n\n:comment\n\n").is_empty());
    }
}
