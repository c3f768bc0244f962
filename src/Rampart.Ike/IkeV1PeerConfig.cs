using System.Net;
using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;
using Rampart.Ike.Wire;

namespace Rampart.Ike;

/// <summary>One IKE security method: the IKE SA's cipher, hash (also the PRF), DH group and lifetime.</summary>
public sealed record IkeProposal(CipherAlgorithm Cipher, IntegrityAlgorithm Hash, DhGroup Group, TimeSpan Lifetime);

/// <summary>One quick mode security method. AH uses only <see cref="Integrity"/>; AEAD ESP ciphers take <see cref="IntegrityAlgorithm.None"/>.</summary>
public sealed record IpsecProposal(SaProtocol Protocol, CipherAlgorithm Cipher, IntegrityAlgorithm Integrity, int LifetimeSeconds, long LifetimeKilobytes);

/// <summary>What quick mode negotiates for one filter: ordered methods, PFS group (None = no PFS) and mode.</summary>
public sealed record QuickModePolicy(IReadOnlyList<IpsecProposal> Proposals, DhGroup PfsGroup, SaMode Mode);

/// <summary>A phase 1 identity (ID payload type and data), e.g. an address or an FQDN.</summary>
public sealed record IkeIdentity(IdentificationType Type, byte[] Value)
{
    public static IkeIdentity Address(IPAddress address) =>
        new(address.GetAddressBytes().Length == 4 ? IdentificationType.Ipv4Address : IdentificationType.Ipv6Address, address.GetAddressBytes());

    public IdentificationPayload ToPayload() => new(Type, 0, 0, Value);

    public bool Matches(IdentificationPayload id) => id.IdType == Type && id.Data.SequenceEqual(Value);

    public bool Equals(IkeIdentity? other) => other is not null && Type == other.Type && Value.AsSpan().SequenceEqual(other.Value);

    public override int GetHashCode() => HashCode.Combine(Type, Value.Length);
}

/// <summary>
/// Everything IKEv1 needs to talk to one peer, mapped by the policy agent from the policy (key exchange settings,
/// authentication methods). Pre-shared keys never appear in <see cref="ToString"/>; <see cref="Dispose"/> zeroes them.
/// The configuration holds its own copies of the methods' secrets, and the engine its own copy of the configuration per
/// ISAKMP SA (<see cref="Copy"/>), so the caller may dispose its instances at once.
/// </summary>
public sealed class IkeV1PeerConfig : IDisposable
{
    private readonly IkeAuthentication[] _methods;

    /// <summary>A peer authenticated by a pre-shared key only (the rule's single method).</summary>
    public IkeV1PeerConfig(IPAddress remoteAddress, ReadOnlySpan<byte> preSharedKey, IReadOnlyList<IkeProposal> ikeProposals)
        : this(remoteAddress, [new IkePreSharedKey(preSharedKey)], ikeProposals)
    {
    }

    /// <summary>A peer with the rule's authentication methods in its order: each IKE proposal is offered with each.</summary>
    public IkeV1PeerConfig(IPAddress remoteAddress, IReadOnlyList<IkeAuthentication> authenticationMethods, IReadOnlyList<IkeProposal> ikeProposals)
    {
        ArgumentNullException.ThrowIfNull(authenticationMethods);
        if (authenticationMethods.Count == 0)
        {
            throw new ArgumentException("at least one authentication method is needed", nameof(authenticationMethods));
        }

        if (ikeProposals.Count == 0)
        {
            throw new ArgumentException("at least one IKE proposal is needed", nameof(ikeProposals));
        }

        RemoteAddress = remoteAddress;
        _methods = [.. authenticationMethods.Select(m => m.Copy())];
        IkeProposals = ikeProposals;
    }

    public IPAddress RemoteAddress { get; }

    /// <summary>Authentication methods in the rule's order.</summary>
    public IReadOnlyList<IkeAuthentication> AuthenticationMethods => _methods;

    /// <summary>The first pre-shared key method's key; empty when the rule has none.</summary>
    public ReadOnlySpan<byte> PreSharedKey => _methods.OfType<IkePreSharedKey>().FirstOrDefault() is { } psk ? psk.Key : [];

    /// <summary>IKE security methods in preference order.</summary>
    public IReadOnlyList<IkeProposal> IkeProposals { get; }

    /// <summary>Our phase 1 identity; null = our IKE address (pre-shared key) or what the certificate method says.</summary>
    public IkeIdentity? LocalIdentity { get; init; }

    /// <summary>The identity the peer must present; null = accept its address or anything it sends.</summary>
    public IkeIdentity? RemoteIdentity { get; init; }

    /// <summary>Quick Modes one ISAKMP SA may key before a new Main Mode is negotiated (1 = master key PFS, 0 = no limit).</summary>
    public int QuickModesPerMainMode { get; init; }

    /// <summary>Offer RFC 3947 NAT traversal (vendor IDs, NAT-D).</summary>
    public bool NatTraversal { get; init; } = true;

    /// <summary>Pretend to be behind a NAT so that ESP is always UDP-encapsulated (what strongSwan's libipsec does).</summary>
    public bool ForceUdpEncapsulation { get; init; }

    public override string ToString() => $"IKEv1 peer {RemoteAddress} ({IkeProposals.Count} proposals, {string.Join(", ", _methods.Select(m => m.ToString()))})";

    /// <summary>The same configuration with its own copy of the secrets.</summary>
    public IkeV1PeerConfig Copy() => new(RemoteAddress, _methods, IkeProposals)
    {
        LocalIdentity = LocalIdentity,
        RemoteIdentity = RemoteIdentity,
        QuickModesPerMainMode = QuickModesPerMainMode,
        NatTraversal = NatTraversal,
        ForceUdpEncapsulation = ForceUdpEncapsulation,
    };

    /// <summary>Zeroes the pre-shared keys: the lookup that produced them is over.</summary>
    public void Dispose()
    {
        foreach (var method in _methods)
        {
            method.Clear();
        }
    }
}
