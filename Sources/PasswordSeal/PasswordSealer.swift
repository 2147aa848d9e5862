import Contracts
import Crypto
import Foundation

/// Seals and opens the passwords of commands (ChaCha20-Poly1305). The associated data is the
/// command's id, type and email, so a sealed password opens only in the command it was sealed
/// for: copied into another sign-in (another id or email) it is refused.
public struct PasswordSealer: Sendable {
    public let keys: PasswordSealKeys

    public init(keys: PasswordSealKeys) { self.keys = keys }

    /// What ties a sealed password to its command.
    public struct Binding: Sendable, Hashable {
        public var commandID: String
        public var type: String
        public var email: String

        public init(commandID: String, type: String, email: String) {
            self.commandID = commandID.lowercased(); self.type = type; self.email = email
        }

        var associatedData: Data { Data("ticketing-password-seal-v1\u{0}\(commandID)\u{0}\(type)\u{0}\(email)".utf8) }
    }

    public func seal(_ password: String, for binding: Binding) throws -> SealedPassword {
        let box = try ChaChaPoly.seal(Data(password.utf8), using: keys.sealing.key, authenticating: binding.associatedData)
        return SealedPassword(keyID: keys.sealing.id, box: box.combined.base64EncodedString())
    }

    /// The password, or an error that says only whether the key id was unknown.
    public func open(_ sealed: SealedPassword, for binding: Binding) throws -> String {
        guard let key = keys.opening[sealed.keyID] else {
            throw PasswordSealError("the password was sealed with an unknown key (\(sealed.keyID))")
        }
        guard let combined = Data(base64Encoded: sealed.box),
              let box = try? ChaChaPoly.SealedBox(combined: combined),
              let plain = try? ChaChaPoly.open(box, using: key, authenticating: binding.associatedData),
              let password = String(data: plain, encoding: .utf8)
        else { throw PasswordSealError("the sealed password does not open for this command (key \(sealed.keyID))") }
        return password
    }

    /// The command's payload as it goes on the stream (JSON), its password sealed for
    /// command `id`. Every command leaves the API through here.
    public func payload<C: Command>(_ command: C, id: String) throws -> String {
        guard let carrier = command as? any CarriesPassword else { return MessageCoding.encode(command) }
        return try sealedPayload(carrier, id: id)
    }

    private func sealedPayload<C: CarriesPassword>(_ command: C, id: String) throws -> String {
        var command = command
        if case .clear(let password) = command.password {
            command.password = .sealed(try seal(password, for: Binding(commandID: id, type: C.type, email: command.email)))
        }
        return MessageCoding.encode(command)
    }

    /// The command as text that identifies it without revealing its password: the password
    /// replaced by its HMAC under the sealing key (not a plain hash, which would let whoever
    /// reads the text test guesses offline at hash speed).
    public func fingerprint<C: Command>(_ command: C) -> String {
        guard let carrier = command as? any CarriesPassword else { return MessageCoding.encode(command) }
        return fingerprinted(carrier)
    }

    private func fingerprinted<C: CarriesPassword>(_ command: C) -> String {
        var command = command
        if case .clear(let password) = command.password {
            let mac = HMAC<SHA256>.authenticationCode(for: Data("fingerprint\u{0}\(password)".utf8), using: keys.sealing.key)
            command.password = .sealed(SealedPassword(keyID: "hmac", box: Data(mac).base64EncodedString()))
        }
        return MessageCoding.encode(command)
    }
}
