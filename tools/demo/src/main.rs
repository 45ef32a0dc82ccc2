//! `jeedomconnect-demo`: see the library's documentation (and the README's first command).

fn main() -> std::process::ExitCode {
    jeedomconnect_demo::main(std::env::args().skip(1).collect())
}
