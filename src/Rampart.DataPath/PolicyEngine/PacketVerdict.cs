namespace Rampart.DataPath.PolicyEngine;

/// <summary>What the I/O layer does with the packet it handed to the engine.</summary>
public enum PacketAction : byte
{
    /// <summary>Let the packet through unchanged.</summary>
    Accept,

    /// <summary>Let the packet through with the buffer's new bytes (ESP/AH applied outbound, removed inbound).</summary>
    AcceptModified,

    /// <summary>Discard the packet; <see cref="PacketVerdict.Reason"/> says why.</summary>
    Drop,

    /// <summary>
    /// The engine kept a copy until IKE answers: the packet's verdict is owed to its <see cref="IPacketExit"/>, which the
    /// engine calls once the binding is settled (released protected or clear, or dropped).
    /// </summary>
    Held,
}

/// <summary>Why a packet was dropped; each reason has its own counter in <see cref="DataPathStatistics"/>.</summary>
public enum DropReason : byte
{
    None,

    /// <summary>Not a parsable IPv4/IPv6 packet while a policy that secures traffic is assigned (fail closed).</summary>
    Unparsable,

    /// <summary>A Block filter matched.</summary>
    Blocked,

    /// <summary>A Negotiate filter matched, no SA yet: an acquire was raised (or is pending) and the packet was not held.</summary>
    NegotiationPending,

    /// <summary>Negotiation for this binding failed less than the block duration ago.</summary>
    NegotiationFailed,

    /// <summary>Too many pending negotiations or a full acquire queue: a flood of new peers.</summary>
    AcquireLimit,

    /// <summary>The SA refused the packet (hard lifetime, sequence numbers exhausted, no room, unsupported shape).</summary>
    SaRefused,

    /// <summary>Inbound IPsec packet for an SPI we do not have.</summary>
    BadSpi,

    /// <summary>Inbound ICV or tag did not verify.</summary>
    NotAuthenticated,

    /// <summary>Inbound packet did not decrypt to a valid trailer.</summary>
    NotDecrypted,

    /// <summary>Inbound sequence number replayed or too old.</summary>
    Replay,

    /// <summary>Inbound IPsec packet malformed, truncated or fragmented.</summary>
    Malformed,

    /// <summary>An ESP dummy packet (traffic-flow confidentiality padding).</summary>
    Dummy,

    /// <summary>The decrypted packet is not traffic that the SA it came through may carry.</summary>
    PolicyMismatch,

    /// <summary>A clear inbound packet that policy says must be secured.</summary>
    UnsecuredInbound,

    /// <summary>An outbound packet a traffic selector reserves for an SA that is not installed (yet, or any more).</summary>
    SelectorWithoutSa,

    /// <summary>No policy decision is in force yet (the agent is starting, or could not read its policy): fail closed.</summary>
    PolicyNotInForce,
}

/// <summary>The engine's decision for one packet.</summary>
public readonly record struct PacketVerdict(PacketAction Action, DropReason Reason)
{
    public static PacketVerdict Accept => new(PacketAction.Accept, DropReason.None);

    public static PacketVerdict AcceptModified => new(PacketAction.AcceptModified, DropReason.None);

    public static PacketVerdict Held => new(PacketAction.Held, DropReason.None);

    public static PacketVerdict Drop(DropReason reason) => new(PacketAction.Drop, reason);
}
