fn main() {
    let items = ["write the Dockerfile", "build it", "ship it"];
    for (i, item) in items.iter().enumerate() {
        println!("{}. {}", i + 1, item);
    }
}
