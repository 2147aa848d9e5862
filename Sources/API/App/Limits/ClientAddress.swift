import Foundation
import Hummingbird
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as its bytes (IPv4-mapped IPv6 counts as IPv4), for comparing
/// against trusted networks.
struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    let bytes: [UInt8]

    init?(_ text: some StringProtocol) {
        var text = String(text).trimmingCharacters(in: .whitespaces)
        // "[::1]" and a zone ("fe80::1%eth0") are not part of the address.
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        if let zone = text.firstIndex(of: "%") { text = String(text[..<zone]) }
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            let all = withUnsafeBytes(of: &v6) { Array($0) }
            let mapped = all.prefix(10).allSatisfy { $0 == 0 } && all[10] == 0xff && all[11] == 0xff
            bytes = mapped ? Array(all.suffix(4)) : all
        } else {
            return nil
        }
    }

    var description: String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }
}

/// An address or a CIDR network (`10.0.0.0/8`, `fd00::/8`, `192.0.2.7`).
struct IPNetwork: Sendable, Hashable {
    let base: IPAddress
    let prefixLength: Int

    init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let base = IPAddress(first) else { return nil }
        let bits = base.bytes.count * 8
        if parts.count == 2 {
            guard let length = Int(parts[1].trimmingCharacters(in: .whitespaces)), (0...bits).contains(length) else { return nil }
            prefixLength = length
        } else {
            prefixLength = bits
        }
        self.base = base
    }

    func contains(_ address: IPAddress) -> Bool {
        guard address.bytes.count == base.bytes.count else { return false }
        var remaining = prefixLength
        for (a, b) in zip(address.bytes, base.bytes) where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xff : ~(0xff >> UInt8(remaining))
            guard a & mask == b & mask else { return false }
            remaining -= 8
        }
        return true
    }
}

/// Who is asking: the socket's peer, or, when that peer is a trusted proxy, the right-most
/// address in `X-Forwarded-For` that is not a trusted proxy itself. Anyone can write
/// `X-Forwarded-For`, so it counts only from a proxy we run.
struct ClientAddressResolver: Sendable {
    let trustedProxies: [IPNetwork]

    init(trustedProxies: [IPNetwork]) {
        self.trustedProxies = trustedProxies
    }

    /// Parses `TRUSTED_PROXIES` entries; the failure names the first that is not an address or network.
    static func parse(_ entries: [String]) -> Result<[IPNetwork], APIConfigurationError> {
        var networks: [IPNetwork] = []
        for entry in entries {
            guard let network = IPNetwork(entry) else {
                return .failure(APIConfigurationError("TRUSTED_PROXIES: \(entry) is not an IP address or CIDR network"))
            }
            networks.append(network)
        }
        return .success(networks)
    }

    /// The client's address as text, or nil when the request came through no socket (tests
    /// that call the router directly).
    func client(of request: Request, peer: IPAddress?) -> String? {
        guard let peer else { return nil }
        guard isTrusted(peer) else { return peer.description }
        let hops = request.headers[values: .xForwardedFor]
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        var nearest = peer
        for hop in hops.reversed() {
            // A hop we cannot read is where the trustworthy part ends: the proxy that added it is the client.
            guard let address = IPAddress(hop) else { break }
            nearest = address
            if !isTrusted(address) { break }
        }
        return nearest.description
    }

    private func isTrusted(_ address: IPAddress) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }
}

extension HTTPFields.Element.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
}
