import VigilJSON

extension RFC3339Time {
    /// This instant plus `duration`.
    public func adding(_ duration: GoDuration) -> RFC3339Time {
        RFC3339Time(microsecondsSinceEpoch: microsecondsSinceEpoch + duration.milliseconds * 1000)
    }
}
