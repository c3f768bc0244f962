namespace Rampart.Ike;

/// <summary>The IKE phase a proposal belongs to, as the Windows 2000 audit names it.</summary>
public enum IkeNegotiationMode
{
    /// <summary>Key Exchange Mode (Main Mode): the IKE SA.</summary>
    MainMode,

    /// <summary>Data Protection Mode (Quick Mode): the IPsec SAs.</summary>
    QuickMode,
}

/// <summary>
/// Why no proposal was acceptable: the first attribute that ruled out the peer's closest proposal, with the values this
/// side would have accepted and the value received (algorithm names and numbers only, never key material).
/// <see cref="Expected"/> and <see cref="Received"/> are null when the peer refused ours and did not say why.
/// </summary>
public sealed record ProposalMismatch(IkeNegotiationMode Mode, string Attribute, string? Expected, string? Received)
{
    public const string RefusedByPeerAttribute = "unknown (refused by the peer)";

    /// <summary>The peer answered NO-PROPOSAL-CHOSEN: it knows which attribute, we do not.</summary>
    public static ProposalMismatch RefusedByPeer(IkeNegotiationMode mode) => new(mode, RefusedByPeerAttribute, null, null);

    public override string ToString() => Expected is null && Received is null
        ? Attribute
        : $"{Attribute}: expected {Expected}, received {Received}";
}
