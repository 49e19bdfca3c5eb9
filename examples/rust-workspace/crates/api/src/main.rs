//! The API service: prints its routes and the shared version banner.

fn main() {
    println!("{}", shared::banner("api"));
    for (method, path) in [("GET", "/health"), ("GET", "/items"), ("POST", "/items")] {
        println!("route {method} {path}");
    }
    let port = std::env::var("PORT").unwrap_or_else(|_| "unset".into());
    println!("port {port}");
}
