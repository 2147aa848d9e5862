import Foundation

/// Money and time as people read them. Prices are kept as integer cents; dates go out as
/// ISO 8601 in `<time datetime>` (the script re-writes them in the reader's locale) with a UTC
/// text that stands without the script.
enum Formatting {
    /// `$1,234.50`
    static func money(cents: Int) -> String {
        let whole = cents / 100
        let fraction = cents % 100
        var digits = String(whole)
        var grouped = ""
        while digits.count > 3 {
            grouped = "," + digits.suffix(3) + grouped
            digits.removeLast(3)
        }
        return "$" + digits + grouped + "." + (fraction < 10 ? "0" : "") + String(fraction)
    }

    static func money(dollars: Double) -> String { money(cents: Int((dollars * 100).rounded())) }

    /// A price as typed into the form again: `12.50`.
    static func plainPrice(dollars: Double) -> String {
        let cents = Int((dollars * 100).rounded())
        return "\(cents / 100)." + (cents % 100 < 10 ? "0" : "") + String(cents % 100)
    }

    static func iso(_ date: Date) -> String {
        date.ISO8601Format()
    }

    /// `2 Dec 2026, 00:15 UTC`
    static func utcText(_ date: Date) -> String {
        let parts = utc.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        func two(_ value: Int?) -> String { let value = value ?? 0; return value < 10 ? "0\(value)" : "\(value)" }
        let month = months[max(0, min(11, (parts.month ?? 1) - 1))]
        return "\(parts.day ?? 1) \(month) \(parts.year ?? 1970), \(two(parts.hour)):\(two(parts.minute)) UTC"
    }

    /// `14:05` for minutes and seconds left; `1:02:03` past an hour; `0:00` once due.
    static func timeLeft(seconds: Int) -> String {
        let seconds = max(0, seconds)
        let hours = seconds / 3600, minutes = (seconds % 3600) / 60, rest = seconds % 60
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return hours > 0 ? "\(hours):\(two(minutes)):\(two(rest))" : "\(minutes):\(two(rest))"
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
