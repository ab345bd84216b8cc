extension String {
    /// The string with `pad` in front up to `width` characters, for fixed-width hex in fingerprints and messages.
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
