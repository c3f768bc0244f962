using System.Net;
using System.Text;
using Rampart.Core.Algorithms;

namespace Rampart.Core.SecurityAssociations;

/// <summary>
/// Everything the data path needs to run one SA, as IKE or manual keying produces it. Keys print as <c>***</c>.
/// <see cref="LocalAddress"/>/<see cref="RemoteAddress"/> are the protected hosts' addresses (transport mode: the packet's
/// own); in tunnel mode <see cref="TunnelLocal"/>/<see cref="TunnelRemote"/> are the outer header's addresses.
/// For AEAD ciphers <see cref="CipherKey"/> ends with the 4-byte salt (RFC 4106 §8.1, RFC 7634 §4: AES-GCM-128 = 20 bytes).
/// </summary>
public sealed record SecurityAssociationSpec
{
    public const int DefaultReplayWindow = 64;
    public const int MaxReplayWindow = 4096;

    public required uint Spi { get; init; }
    public SaProtocol Protocol { get; init; } = SaProtocol.Esp;
    public SaMode Mode { get; init; } = SaMode.Transport;
    public required SaDirection Direction { get; init; }
    public required IPAddress LocalAddress { get; init; }
    public required IPAddress RemoteAddress { get; init; }
    public IPAddress? TunnelLocal { get; init; }
    public IPAddress? TunnelRemote { get; init; }
    public UdpEncapsulation? Encapsulation { get; init; }
    public CipherAlgorithm Cipher { get; init; } = CipherAlgorithm.Null;
    public KeyMaterial CipherKey { get; init; } = KeyMaterial.Empty;
    public IntegrityAlgorithm Integrity { get; init; } = IntegrityAlgorithm.None;
    public KeyMaterial IntegrityKey { get; init; } = KeyMaterial.Empty;
    public SaLifetime Lifetime { get; init; } = SaLifetime.Default;

    /// <summary>Anti-replay window in packets; 0 turns the check off (manual SAs whose sender may restart), not allowed with ESN.</summary>
    public int ReplayWindow { get; init; } = DefaultReplayWindow;

    public bool ExtendedSequenceNumbers { get; init; }

    /// <summary>The addresses of the packet IPsec puts on the wire (outer header in tunnel mode).</summary>
    public IPAddress WireLocal => Mode == SaMode.Tunnel ? TunnelLocal ?? LocalAddress : LocalAddress;

    public IPAddress WireRemote => Mode == SaMode.Tunnel ? TunnelRemote ?? RemoteAddress : RemoteAddress;

    /// <summary>Zeroes both keys: the SA that used them ended, or it was never installed.</summary>
    public void ZeroKeys()
    {
        CipherKey.Dispose();
        IntegrityKey.Dispose();
    }

    /// <summary>Checks algorithm/key consistency; <paramref name="error"/> says what is wrong.</summary>
    public bool IsValid(out string? error)
    {
        error = FindError();
        return error is null;
    }

    private string? FindError()
    {
        if (Spi < 256)
        {
            return "SPI values 0-255 are reserved (RFC 4303 §2.1)";
        }

        if (LocalAddress.AddressFamily != RemoteAddress.AddressFamily)
        {
            return "local and remote addresses must be of the same family";
        }

        if (Mode == SaMode.Tunnel && (TunnelLocal is null || TunnelRemote is null))
        {
            return "tunnel mode needs tunnel endpoint addresses";
        }

        if (Mode == SaMode.Tunnel && TunnelLocal!.AddressFamily != TunnelRemote!.AddressFamily)
        {
            return "tunnel endpoints must be of the same family";
        }

        if (Mode == SaMode.Transport && (TunnelLocal is not null || TunnelRemote is not null))
        {
            return "transport mode takes no tunnel endpoints";
        }

        if (Protocol == SaProtocol.Ah && Cipher != CipherAlgorithm.Null)
        {
            return "AH provides no encryption: cipher must be null";
        }

        if (Protocol == SaProtocol.Ah && Encapsulation is not null)
        {
            return "AH cannot be UDP-encapsulated (RFC 3948 covers ESP only)";
        }

        if (CipherKey.Length != AlgorithmCatalog.KeyMaterialLength(Cipher))
        {
            return $"{AlgorithmCatalog.Name(Cipher)} needs {AlgorithmCatalog.KeyMaterialLength(Cipher)} key bytes, got {CipherKey.Length}";
        }

        if (AlgorithmCatalog.IsWeakKey(Cipher, CipherKey.Span))
        {
            return $"{AlgorithmCatalog.Name(Cipher)} key is a known weak key (for 3des: two equal 8-byte thirds make it single DES)";
        }

        if (AlgorithmCatalog.IsAead(Cipher) && Integrity != IntegrityAlgorithm.None)
        {
            return "an AEAD cipher takes no separate integrity algorithm";
        }

        if (Cipher == CipherAlgorithm.Null && Integrity == IntegrityAlgorithm.None)
        {
            return "an SA must provide integrity, confidentiality or both";
        }

        if (IntegrityKey.Length != AlgorithmCatalog.HmacKeyLength(Integrity))
        {
            return $"{AlgorithmCatalog.Name(Integrity)} needs {AlgorithmCatalog.HmacKeyLength(Integrity)} key bytes, got {IntegrityKey.Length}";
        }

        if (ReplayWindow < 0 || ReplayWindow > MaxReplayWindow)
        {
            return $"replay window must be 0..{MaxReplayWindow}";
        }

        if (ReplayWindow == 0 && ExtendedSequenceNumbers)
        {
            return "extended sequence numbers need a replay window to infer the high bits";
        }

        return Lifetime.IsValid(out var lifetimeError) ? null : lifetimeError;
    }

    /// <summary>Prints everything but key bytes (records would otherwise print them through KeyMaterial, which already hides them).</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Spi = ").Append(Spi)
            .Append(", Protocol = ").Append(Protocol)
            .Append(", Mode = ").Append(Mode)
            .Append(", Direction = ").Append(Direction)
            .Append(", Local = ").Append(LocalAddress)
            .Append(", Remote = ").Append(RemoteAddress);
        if (Mode == SaMode.Tunnel)
        {
            builder.Append(", TunnelLocal = ").Append(TunnelLocal).Append(", TunnelRemote = ").Append(TunnelRemote);
        }

        if (Encapsulation is not null)
        {
            builder.Append(", UdpEncap = ").Append(Encapsulation.LocalPort).Append("->").Append(Encapsulation.RemotePort);
        }

        builder.Append(", Cipher = ").Append(AlgorithmCatalog.Name(Cipher))
            .Append(", CipherKey = ***")
            .Append(", Integrity = ").Append(AlgorithmCatalog.Name(Integrity))
            .Append(", IntegrityKey = ***")
            .Append(", ReplayWindow = ").Append(ReplayWindow)
            .Append(", Esn = ").Append(ExtendedSequenceNumbers)
            .Append(", Lifetime = ").Append(Lifetime);
        return true;
    }
}
