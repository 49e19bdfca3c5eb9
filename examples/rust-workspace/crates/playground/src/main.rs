fn main() {
    println!("playground: not part of the workspace");
}
