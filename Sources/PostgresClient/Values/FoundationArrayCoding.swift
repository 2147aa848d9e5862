import Foundation

extension UUID: PostgresArrayElement {
    public static var postgresArrayDataType: PostgresDataType { .uuidArray }
}

extension Date: PostgresArrayElement {
    public static var postgresArrayDataType: PostgresDataType { .timestamptzArray }
}

extension Data: PostgresArrayElement {
    public static var postgresArrayDataType: PostgresDataType { .byteaArray }
}
