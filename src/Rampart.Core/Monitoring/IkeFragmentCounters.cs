namespace Rampart.Core.Monitoring;

/// <summary>
/// IKE fragmentation since the agent started (part of <c>ike.status</c>): fragments sent (each retransmission again) and
/// received, messages reassembled from them, and reassemblies given up (bounds, timeout, contradictions, wrong cookies).
/// </summary>
public sealed record IkeFragmentCounters(long Sent, long Received, long Reassembled, long ReassembliesDropped)
{
    public static IkeFragmentCounters Zero { get; } = new(0, 0, 0, 0);
}
