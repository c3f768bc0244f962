namespace Rampart.DataPath.PolicyEngine;

internal enum BindingDecisionKind : byte
{
    /// <summary>The peer did not answer IKE and the rule allows clear traffic: the binding's packets pass in clear.</summary>
    Soft,

    /// <summary>Negotiation failed: the binding's outbound packets are dropped until the block ends.</summary>
    Blocked,
}

/// <summary>
/// The binding manager's decision for a binding without an SA, as published to the packet path: part of the
/// immutable snapshot (only the soft association's last-use time changes, stamped by packets for the idle check).
/// </summary>
internal sealed class BindingDecision(BindingDecisionKind kind, long timestamp, DateTimeOffset since, long untilTimestamp = long.MaxValue, DateTimeOffset? until = null)
{
    private long _lastUsedTimestamp = timestamp;

    public BindingDecisionKind Kind { get; } = kind;

    public DateTimeOffset Since { get; } = since;

    /// <summary>End of a block, as a TimeProvider timestamp.</summary>
    public long UntilTimestamp { get; } = untilTimestamp;

    public DateTimeOffset? Until { get; } = until;

    /// <summary>TimeProvider timestamp of the last packet a soft association let through, to within the touch granularity.</summary>
    public long LastUsedTimestamp => Volatile.Read(ref _lastUsedTimestamp);

    /// <summary>
    /// Records a packet at <paramref name="now"/>. Writes only when the stored time is at least
    /// <paramref name="granularity"/> old, so a busy flow reads a shared line instead of bouncing it between cores.
    /// </summary>
    public void Touch(long now, long granularity)
    {
        if (now - Volatile.Read(ref _lastUsedTimestamp) >= granularity)
        {
            Volatile.Write(ref _lastUsedTimestamp, now);
        }
    }
}
