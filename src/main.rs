fn main() {
    println!("qofrules {}", qofrules::version());
}
