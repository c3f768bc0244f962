using Rampart.Ike.Crypto;

namespace Rampart.Ike.V1;

internal enum QuickModeState
{
    /// <summary>Initiator sent QM1.</summary>
    InitiatorSentSa,
    /// <summary>Responder sent QM2, waits for QM3.</summary>
    ResponderSentSa,
    /// <summary>Done; kept a while so a retransmitted QM2 gets QM3 again.</summary>
    Completed,
}

/// <summary>One Quick Mode exchange (message ID) under an ISAKMP SA.</summary>
internal sealed class QuickModeExchange(uint messageId, bool isInitiator, ProxyIdentities selector, QuickModePolicy policy) : IDisposable
{
    public uint MessageId { get; } = messageId;

    public bool IsInitiator { get; } = isInitiator;

    public ProxyIdentities Selector { get; set; } = selector;

    public QuickModePolicy Policy { get; } = policy;

    public QuickModeState State { get; set; }

    public byte[] Iv { get; set; } = [];

    public uint InboundSpi { get; set; }

    public uint OutboundSpi { get; set; }

    public ProposalCodec.IpsecOffer? Chosen { get; set; }

    public byte[] NonceI { get; set; } = [];

    public byte[] NonceR { get; set; } = [];

    public IDiffieHellman? Dh { get; set; }

    public byte[] PfsSecret { get; set; } = [];

    public bool SendIdentities { get; set; } = true;

    public byte[]? LastSent { get; set; }

    public byte[]? LastReceived { get; set; }

    public int Retransmits { get; set; }

    public DateTimeOffset? Due { get; set; }

    public void Dispose() => Dh?.Dispose();
}
