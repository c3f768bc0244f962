namespace Rampart.Ike.V1;

/// <summary>
/// Peers do not control our limits: a lifetime a peer proposes or answers with is clamped to between 1 and our
/// policy's value. A proposed 0 s would otherwise become an SA with no time limit, and a responder that adopted any
/// lifetime up to 2^31-1 s would keep one key for 68 years. A byte lifetime of 0 means none was given: ours applies.
/// </summary>
internal static class LifetimeLimits
{
    /// <summary>Seconds within [1, <paramref name="ours"/>].</summary>
    public static int Seconds(long theirs, int ours) => (int)Math.Clamp(theirs, 1, Math.Max(ours, 1));

    /// <summary>Kilobytes within [1, <paramref name="ours"/>]; 0 from the peer means ours; our 0 means no byte limit, so the peer's stands.</summary>
    public static long Kilobytes(long theirs, long ours) => (theirs, ours) switch
    {
        ( <= 0, _) => ours,
        (_, <= 0) => theirs,
        _ => Math.Min(theirs, ours),
    };

    /// <summary>An IKE (main mode) lifetime within [1 s, <paramref name="ours"/>].</summary>
    public static TimeSpan MainMode(ulong theirSeconds, TimeSpan ours) =>
        TimeSpan.FromSeconds(Math.Clamp((double)theirSeconds, 1, Math.Max(Math.Floor(ours.TotalSeconds), 1)));

    /// <summary><paramref name="received"/> with its lifetimes clamped to <paramref name="ours"/>.</summary>
    public static IpsecProposal Clamp(IpsecProposal received, IpsecProposal ours) => received with
    {
        LifetimeSeconds = Seconds(received.LifetimeSeconds, ours.LifetimeSeconds),
        LifetimeKilobytes = Kilobytes(received.LifetimeKilobytes, ours.LifetimeKilobytes),
    };
}
