extension Duration {
    /// Whole milliseconds for commands that take them (`BLOCK`, `IDLE`, `PX`, …). A
    /// positive duration never rounds to 0, which `BLOCK` would read as "forever".
    public var redisMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let millis = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return self > .zero ? Swift.max(millis, 1) : Swift.max(millis, 0)
    }
}
