namespace Rampart.Interop.Tests.Harness;

/// <summary>
/// A lab where IKE messages travel in fragments: the veth's MTU, the largest IP packet each side's IKE fragments fill
/// (Rampart through <c>RAMPART_IKE_FRAGMENT_SIZE</c>, strongSwan through <c>charon.fragment_size</c>) and strongSwan's
/// <c>fragmentation</c> mode (<c>force</c> also fragments before it knows the peer takes fragments, e.g. MM1).
/// </summary>
public sealed record LabFragmentation(int Mtu = 1280, int? RampartFragmentSize = null, string StrongSwanMode = "yes", int? StrongSwanFragmentSize = null)
{
    /// <summary>The 1280-byte path with both sides' default fragment size (1280).</summary>
    public static LabFragmentation Mtu1280 { get; } = new();

    /// <summary>What Rampart's agent needs in its environment.</summary>
    public IReadOnlyList<string> RampartEnvironment =>
        RampartFragmentSize is { } size ? [$"RAMPART_IKE_FRAGMENT_SIZE={size}"] : [];
}
