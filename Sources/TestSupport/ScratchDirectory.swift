import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A fresh folder under the temp dir, owned by `account` when we run as root so that a
/// server started as that account can write to it.
enum ScratchDirectory {
    static func make(_ label: String, owner account: String? = nil) throws -> String {
        var template = Array("\(temporaryRoot)/ticketing-\(label)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw TestSupportError("could not create a temp dir: errno \(errno)")
        }
        let path = String(cString: made)
        if let account, geteuid() == 0 {
            guard let entry = getpwnam(account) else {
                throw TestSupportError("user \(account) not found: install the `postgresql` package, which creates it")
            }
            guard chown(path, entry.pointee.pw_uid, entry.pointee.pw_gid) == 0 else {
                throw TestSupportError("could not hand \(path) to \(account): errno \(errno)")
            }
        }
        return path
    }

    private static var temporaryRoot: String {
        var root = NSTemporaryDirectory()
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        return root
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}
