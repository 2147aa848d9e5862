/// What the sender of a command hears when its service gives up on it (after `MAX_DELIVERIES`
/// failed tries, or because no worker can read it) and moves it to the dead letters: a final
/// answer instead of "pending" for ever. The worker's dead-letter script sends it as the reply
/// and keeps it at ``KeySpace/commandFailure(_:)`` for a poll of the command's outcome
/// (``KeySpace/commandKeyLifetimeSeconds``).
public enum GivenUpCommand {
    public static let status = 500
    public static let body = MessageCoding.encode(ErrorBody(message:
        "The service could not carry out this command and set it aside for an operator. "
        + "Sending it again with the same Idempotency-Key runs it again; it takes effect at most once."))
}
