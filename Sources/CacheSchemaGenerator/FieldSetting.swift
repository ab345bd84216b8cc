/// What a written field that `off` can turn off sets: a value, or `off` (`value` is `nil`). A field that is not
/// written is a `nil` `FieldSetting?`, so that a key can tell "not written" (it takes its TTL class's) from `off`.
struct FieldSetting<Value: Hashable>: Hashable {
    var value: Value?

    /// The setting of a field written on a key, over what its TTL class gives (`inherited`): not written keeps it.
    static func resolve(_ declared: FieldSetting?, over inherited: Value?) -> Value? {
        declared.map(\.value) ?? inherited
    }
}
