//! The background worker (built by a different image).

fn main() {
    println!("{}", shared::banner("worker"));
}
