/// A configuration as logs and error messages may show it: never its password.
extension RedisConfiguration: CustomStringConvertible {
    public var description: String {
        var text = "redis \(endpoint) db \(database)"
        if let username { text += " user \(username)" }
        if password != nil { text += " password ***" }
        return text
    }
}
