import Hummingbird
import NIOCore

/// The per-request context: Hummingbird's core storage and the verified session, if any.
public struct APIRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``SessionMiddleware`` from a verified token; nil for anonymous requests.
    public var session: Session?
    /// The session's token has not been checked against sign-outs yet: on the routes the
    /// middleware names, ``CommandDispatcher`` checks it in the command's admission, in the same
    /// round trip as the rate limit. Nothing else may act on such a session.
    var revocationUnchecked = false
    /// The socket's peer; nil when the router is called without a connection (tests).
    public let remoteAddress: SocketAddress?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.session = nil
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The session, or 401 for anonymous requests.
    func requireSession() throws -> Session {
        guard let session else { throw APIError.notAuthorized }
        return session
    }
}
