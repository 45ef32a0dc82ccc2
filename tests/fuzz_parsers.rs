//! A bounded run of the fuzz entry points (`fuzz/entries.rs`) on stable Rust: for each parser, seeds of real
//! input and a fixed number of deterministic mutations of them (bit flips, inserted tokens, cut and repeated
//! ranges, splices). It finds what a fuzzer finds in its first seconds and keeps the entry points compiling; the
//! long runs are `cargo fuzz` (fuzz/README.md).

#[path = "../fuzz/entries.rs"]
mod entries;

/// Mutations per parser: a few seconds in a debug build.
const ROUNDS: usize = 100_000;

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    "\n",
    "\r\n",
    "\"",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "null",
    "true",
    "1e308",
    "-1",
    "NaN",
    "inf",
    "\\u0000",
    "\\ud800",
    "\u{2028}",
    "\u{1b}",
    "%",
    "%00",
    "%zz",
    "&",
    "=",
    "jeedomApiKey",
    "fuzz-plugin-key",
    "type",
    "DEVICES",
    "EVENTS",
    "PUSH",
    "eqApiKey",
    "method",
    "CONNECT",
    "params",
    "apiKey",
    "x-real-ip: ",
    "x-forwarded-for: ",
    "forwarded: ",
    "127.0.0.1",
    "::1",
    "999999999999999999999999",
];

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>], input: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(4) {
        let len = input.len();
        match rng.below(6) {
            0 if len > 0 => {
                let i = rng.below(len);
                input[i] ^= 1 << rng.below(8);
            }
            1 => {
                let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
                let at = rng.below(len + 1);
                input.splice(at..at, t.iter().copied());
            }
            2 if len > 0 => {
                let a = rng.below(len);
                let b = (a + rng.below(16)).min(len);
                input.drain(a..b);
            }
            3 if len > 0 => {
                let a = rng.below(len);
                let b = (a + rng.below(32)).min(len);
                let piece: Vec<u8> = input[a..b].to_vec();
                for _ in 0..rng.below(8) {
                    input.extend_from_slice(&piece);
                }
            }
            4 => {
                let other = &seeds[rng.below(seeds.len())];
                let cut = rng.below(other.len() + 1);
                let at = rng.below(len + 1);
                input.truncate(at);
                input.extend_from_slice(&other[cut..]);
            }
            _ => input.push((rng.next() & 0xff) as u8),
        }
    }
    input.truncate(4096);
}

fn run(name: &str, seeds: &[&str], entry: fn(&[u8])) {
    let seeds: Vec<Vec<u8>> = seeds.iter().map(|s| s.as_bytes().to_vec()).collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ name.len() as u64);
    for s in &seeds {
        entry(s);
    }
    let mut input = Vec::new();
    for round in 0..ROUNDS {
        if round % 8 == 0 {
            input = seeds[rng.below(seeds.len())].clone();
        }
        mutate(&mut rng, &seeds, &mut input);
        let case = input.clone();
        if std::panic::catch_unwind(|| entry(&case)).is_err() {
            panic!("{name}: input {:?} ({})", String::from_utf8_lossy(&case), case.len());
        }
    }
}

#[test]
fn ws_message_parser() {
    run(
        "ws_message",
        &[
            r#"{"jsonrpc":"2.0","id":"1","method":"CONNECT","params":{"apiKey":"k","deviceId":"d"}}"#,
            r#"{"id":2,"method":"GET_EVENTS","params":"{\"lastReadTimestamp\":1.5}"}"#,
            r#"{"method":""}"#,
            "[1,2,3]",
            "not json",
        ],
        entries::ws_message,
    );
}

#[test]
fn control_line_parser() {
    run(
        "control_line",
        &[
            "{\"type\":\"EVENTS\",\"jeedomApiKey\":\"fuzz-plugin-key\",\"ack\":true,\"events\":[{\"type\":\"CMD_INFO\",\"payload\":[{\"id\":\"12\",\"value\":\"1\"}]}]}\n",
            "{\"type\":\"DEVICES\",\"jeedomApiKey\":\"fuzz-plugin-key\",\"full\":true,\"devices\":[{\"apiKey\":\"k\",\"cmds\":[1]}]}\n{\"type\":\"STATUS\",\"jeedomApiKey\":\"fuzz-plugin-key\"}\n",
            "{\"type\":\"PUSH\",\"jeedomApiKey\":\"fuzz-plugin-key\",\"eqApiKey\":\"k\",\"message\":{\"type\":\"ACTIONS\"}}",
            "{\"jeedomApiKey\":\"fuzz-plugin-key\",\"eqApiKey\":12,\"payload\":{}}\n",
            "{\"type\":\"EVENTS_SINCE\",\"jeedomApiKey\":\"wrong\",\"eqApiKey\":\"k\",\"cursor\":\"1e308\"}\n",
        ],
        entries::control_line,
    );
}

#[test]
fn http_query_and_headers() {
    run(
        "http_request",
        &[
            "apiKey=ab%2Bc&x=1\nx-real-ip: 203.0.113.9\nx-forwarded-for: 198.51.100.2, 10.0.0.1",
            "\u{0}apikey=k\nforwarded: for=192.0.2.60;proto=http\nx-real-ip: not-an-ip",
            "\u{2}a=%zz&apiKey\nx-forwarded-for: ::1",
        ],
        entries::http_request,
    );
}

#[test]
fn cursors() {
    run("cursor", &["1700000000.123456", "inf", "NaN", "-1", "1e308", "\"12.5\"", "0", " 42 "], entries::cursor);
}
