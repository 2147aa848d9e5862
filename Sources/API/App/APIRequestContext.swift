import Hummingbird

/// The per-request context: Hummingbird's core storage and the verified session, if any.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``SessionMiddleware`` from a verified token; nil for anonymous requests.
    public var session: Session?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.session = nil
    }

    /// The session, or 401 for anonymous requests.
    func requireSession() throws -> Session {
        guard let session else { throw APIError.notAuthorized }
        return session
    }
}
