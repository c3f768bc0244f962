using System.Globalization;
using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;
using Rampart.Ike.Crypto;
using Rampart.Ike.Wire;

namespace Rampart.Ike.V1;

/// <summary>
/// Matches a peer's proposals against ours (RFC 2408 §4.2: the first acceptable transform in the peer's order wins)
/// and, when none is acceptable, says why: for each transform the first attribute, in RFC 2409 Appendix A / RFC 2407
/// §4.5 order, that no proposal of ours accepts.
/// </summary>
internal static class ProposalSelection
{
    private const string None = "none";

    /// <summary>A main mode transform we accept, with the proposal that carried it and its authentication method.</summary>
    public sealed record IkeChoice(ProposalPayload Proposal, TransformPayload Transform, IkeProposal Offer, IkeAuthenticationMethod Authentication);

    /// <summary>What a peer configuration without a method list accepts: pre-shared keys.</summary>
    private static readonly IkeAuthenticationMethod[] PreSharedKeyOnly = [IkeAuthenticationMethod.PreSharedKey];

    /// <summary>A quick mode transform we accept, with the proposal that carried it and our proposal it matched.</summary>
    public sealed record IpsecChoice(ProposalPayload Proposal, TransformPayload Transform, ProposalCodec.IpsecOffer Offer, IpsecProposal Ours);

    /// <summary>
    /// Responder: the first acceptable main mode transform (one of <paramref name="ours"/> with one of the
    /// <paramref name="methods"/>, pre-shared key when null), or null with the reasons in <paramref name="refusals"/>.
    /// </summary>
    public static IkeChoice? ChooseIke(SecurityAssociationPayload sa, IReadOnlyList<IkeProposal> ours, out Refusals refusals, IReadOnlyList<IkeAuthenticationMethod>? methods = null)
    {
        refusals = new Refusals(IkeNegotiationMode.MainMode);
        foreach (var proposal in sa.Proposals)
        {
            if (proposal.Protocol != ProtocolId.Isakmp)
            {
                refusals.Add(proposal.Number, null, 0, "Protocol", ProtocolName(ProtocolId.Isakmp), ProtocolName(proposal.Protocol));
                continue;
            }

            foreach (var transform in proposal.Transforms)
            {
                if (TryMatchIke(transform, ours, out var offer, refusals, proposal.Number, methods))
                {
                    ProposalCodec.TryReadIke(transform, out var attributes, out _);
                    return new IkeChoice(proposal, transform, offer!, (IkeAuthenticationMethod)attributes.AuthenticationMethod);
                }
            }
        }

        return null;
    }

    /// <summary>Responder: the first acceptable quick mode transform for <paramref name="policy"/>, or null with the reasons.</summary>
    public static IpsecChoice? ChooseIpsec(SecurityAssociationPayload sa, QuickModePolicy policy, bool udpEncapsulated, out Refusals refusals)
    {
        refusals = new Refusals(IkeNegotiationMode.QuickMode);
        foreach (var proposal in sa.Proposals)
        {
            foreach (var transform in proposal.Transforms)
            {
                if (TryMatchIpsec(proposal, transform, policy, udpEncapsulated, out var offer, out var matched, refusals))
                {
                    return new IpsecChoice(proposal, transform, offer!, matched!);
                }
            }
        }

        return null;
    }

    /// <summary>
    /// True when <paramref name="transform"/> is a main mode transform one of <paramref name="ours"/> accepts (same cipher,
    /// hash and group) with one of the authentication <paramref name="methods"/> (pre-shared key when null).
    /// </summary>
    public static bool TryMatchIke(TransformPayload transform, IReadOnlyList<IkeProposal> ours, out IkeProposal? offer, Refusals? refusals = null, byte proposalNumber = 1, IReadOnlyList<IkeAuthenticationMethod>? methods = null)
    {
        methods ??= PreSharedKeyOnly;
        offer = null;
        void Refuse(int depth, string attribute, string expected, string received) =>
            refusals?.Add(proposalNumber, transform.Number, depth, attribute, expected, received);

        if (transform.TransformId != TransformPayload.KeyIke)
        {
            Refuse(0, "Transform", "KEY_IKE", Number(transform.TransformId));
            return false;
        }

        if (!ProposalCodec.TryReadIke(transform, out var received, out var unreadable))
        {
            Refuse(1, "Attribute", "the RFC 2409 attributes", "type " + Number(unreadable));
            return false;
        }

        var cipher = ProposalCodec.IkeCipherOf(received.Encryption, received.KeyLength);
        var candidates = ours.Where(p => p.Cipher == cipher).ToList();
        if (candidates.Count == 0)
        {
            Refuse(2, "Encryption Algorithm", Either(ours.Select(p => AlgorithmCatalog.DisplayName(p.Cipher))), cipher is { } c ? AlgorithmCatalog.DisplayName(c) : IkeCipherName(received.Encryption, received.KeyLength));
            return false;
        }

        var hash = ProposalCodec.IkeHashOf(received.Hash);
        var withHash = candidates.Where(p => p.Hash == hash).ToList();
        if (withHash.Count == 0)
        {
            Refuse(3, "Hash Algorithm", Either(candidates.Select(p => AlgorithmCatalog.DisplayName(p.Hash))), hash is { } h ? AlgorithmCatalog.DisplayName(h) : Named<IkeHashAlgorithm>(received.Hash));
            return false;
        }

        if (!methods.Any(m => (ulong)m == received.AuthenticationMethod))
        {
            Refuse(4, "Authentication Method", Either(methods.Select(m => AuthenticationName((ulong)m))), AuthenticationName(received.AuthenticationMethod));
            return false;
        }

        var group = (DhGroup)received.Group;
        var withGroup = withHash.Where(p => p.Group == group && DiffieHellmanFactory.IsSupported(group)).ToList();
        if (withGroup.Count == 0)
        {
            Refuse(5, "Diffie-Hellman Group", Either(withHash.Select(p => GroupName(p.Group))), GroupName(group));
            return false;
        }

        if (!LifetimeAcceptable(received.UnsupportedLifeType, received.LifetimeSeconds, depth: 6, Refuse))
        {
            return false;
        }

        offer = new IkeProposal(cipher!.Value, hash!.Value, group, LifetimeLimits.MainMode(received.LifetimeSeconds, withGroup[0].Lifetime));
        return true;
    }

    /// <summary>
    /// True when <paramref name="transform"/> is a quick mode transform <paramref name="policy"/> accepts: protocol, cipher
    /// and integrity of one of its proposals, its mode (UDP-encapsulated exactly when <paramref name="udpEncapsulated"/>),
    /// and its PFS group when it has one (without, the peer's choice stands).
    /// </summary>
    public static bool TryMatchIpsec(ProposalPayload proposal, TransformPayload transform, QuickModePolicy policy, bool udpEncapsulated, out ProposalCodec.IpsecOffer? offer, out IpsecProposal? matched, Refusals? refusals = null)
    {
        offer = null;
        matched = null;
        void Refuse(int depth, string attribute, string expected, string received) =>
            refusals?.Add(proposal.Number, transform.Number, depth, attribute, expected, received);

        SaProtocol? protocol = proposal.Protocol switch
        {
            ProtocolId.IpsecEsp => SaProtocol.Esp,
            ProtocolId.IpsecAh => SaProtocol.Ah,
            _ => null,
        };
        var candidates = policy.Proposals.Where(p => p.Protocol == protocol).ToList();
        if (candidates.Count == 0)
        {
            Refuse(0, "Protocol", Either(policy.Proposals.Select(p => ProtocolName(ProposalCodec.ToProtocolId(p.Protocol)))), ProtocolName(proposal.Protocol));
            return false;
        }

        if (proposal.Spi.Length != 4)
        {
            Refuse(1, "SPI Size", "4", Number(proposal.Spi.Length));
            return false;
        }

        if (!ProposalCodec.TryReadIpsec(transform, out var received, out var unreadable))
        {
            Refuse(2, "Attribute", "the RFC 2407 attributes", "type " + Number(unreadable));
            return false;
        }

        var cipher = protocol == SaProtocol.Ah ? CipherAlgorithm.Null : ProposalCodec.EspCipherOf(transform.TransformId, received.KeyLength);
        candidates = candidates.Where(p => p.Cipher == cipher).ToList();
        if (candidates.Count == 0)
        {
            var esp = policy.Proposals.Where(p => p.Protocol == SaProtocol.Esp).Select(p => AlgorithmCatalog.DisplayName(p.Cipher));
            Refuse(3, "Encryption Algorithm", Either(esp), cipher is { } c ? AlgorithmCatalog.DisplayName(c) : EspCipherName(transform.TransformId, received.KeyLength));
            return false;
        }

        var integrity = ProposalCodec.IpsecIntegrityOf(received.Authentication);
        var withIntegrity = candidates.Where(p => p.Integrity == integrity).ToList();
        if (withIntegrity.Count == 0)
        {
            Refuse(4, "Integrity Algorithm", Either(candidates.Select(p => AlgorithmCatalog.DisplayName(p.Integrity))), integrity is { } i ? AlgorithmCatalog.DisplayName(i) : Named<IpsecAuthenticationAlgorithm>(received.Authentication));
            return false;
        }

        var mode = (EncapsulationMode)received.Mode;
        if (!Enum.IsDefined(mode) || ProposalCodec.ModeOf(mode) != policy.Mode || ProposalCodec.IsUdpEncapsulated(mode) != udpEncapsulated)
        {
            var expected = (policy.Mode, udpEncapsulated) switch
            {
                (SaMode.Tunnel, false) => nameof(EncapsulationMode.Tunnel),
                (SaMode.Transport, false) => nameof(EncapsulationMode.Transport),
                (SaMode.Tunnel, true) => nameof(EncapsulationMode.UdpEncapsulatedTunnel),
                _ => nameof(EncapsulationMode.UdpEncapsulatedTransport),
            };
            Refuse(5, "Encapsulation Mode", expected, Named<EncapsulationMode>(received.Mode));
            return false;
        }

        var group = (DhGroup)received.Group;
        if ((group != DhGroup.None && !DiffieHellmanFactory.IsSupported(group)) || (policy.PfsGroup != DhGroup.None && group != policy.PfsGroup))
        {
            Refuse(6, "PFS Group", policy.PfsGroup == DhGroup.None ? "none or a supported group" : GroupName(policy.PfsGroup), GroupName(group));
            return false;
        }

        if (!LifetimeAcceptable(received.UnsupportedLifeType, received.Seconds, depth: 7, Refuse))
        {
            return false;
        }

        matched = withIntegrity[0];
        var ipsec = new IpsecProposal(protocol!.Value, cipher!.Value, integrity!.Value, (int)received.Seconds, (long)Math.Min(received.Kilobytes, long.MaxValue));
        offer = new ProposalCodec.IpsecOffer(ipsec, group, mode);
        return true;
    }

    private static bool LifetimeAcceptable(ulong unsupportedLifeType, ulong seconds, int depth, Action<int, string, string, string> refuse)
    {
        if (unsupportedLifeType != 0)
        {
            refuse(depth, "Lifetime Type", "Seconds or Kilobytes", Number(unsupportedLifeType));
            return false;
        }

        if (seconds > int.MaxValue)
        {
            refuse(depth + 1, "Lifetime", $"at most {int.MaxValue} seconds", Number(seconds) + " seconds");
            return false;
        }

        return true;
    }

    private static string Either(IEnumerable<string> values) => string.Join(" or ", values.Distinct());

    private static string Number<T>(T value) where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);

    /// <summary>An IANA value by its enum name when we know it, else as a number.</summary>
    private static string Named<TEnum>(ulong value) where TEnum : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<TEnum>())
        {
            if (Convert.ToUInt64(candidate, CultureInfo.InvariantCulture) == value)
            {
                return $"{candidate} ({Number(value)})";
            }
        }

        return $"unknown ({Number(value)})";
    }

    private static string GroupName(DhGroup group) => group == DhGroup.None
        ? None
        : Enum.IsDefined(group) ? $"{AlgorithmCatalog.Name(group)} (group {Number((int)group)})" : $"unknown (group {Number((int)group)})";

    private static string ProtocolName(ProtocolId protocol) => protocol switch
    {
        ProtocolId.Isakmp => "ISAKMP",
        ProtocolId.IpsecAh => "AH",
        ProtocolId.IpsecEsp => "ESP",
        ProtocolId.IpComp => "IPCOMP",
        _ => $"unknown ({Number((byte)protocol)})",
    };

    private static string IkeCipherName(ulong encryption, ulong keyLength) => keyLength == 0
        ? Named<IkeEncryptionAlgorithm>(encryption)
        : $"{Named<IkeEncryptionAlgorithm>(encryption)} with a {Number(keyLength)}-bit key";

    private static string EspCipherName(byte transformId, ulong keyLength) => keyLength == 0
        ? Named<EspTransformId>(transformId)
        : $"{Named<EspTransformId>(transformId)} with a {Number(keyLength)}-bit key";

    private static string AuthenticationName(ulong method) => (IkeAuthenticationMethod)method switch
    {
        IkeAuthenticationMethod.PreSharedKey => "Preshared Key",
        IkeAuthenticationMethod.DssSignatures => "DSS Signatures",
        IkeAuthenticationMethod.RsaSignatures => "RSA Signatures",
        IkeAuthenticationMethod.RsaEncryption => "RSA Encryption",
        IkeAuthenticationMethod.RsaRevisedEncryption => "Revised RSA Encryption",
        IkeAuthenticationMethod.EcdsaSha256 => "ECDSA-256",
        IkeAuthenticationMethod.EcdsaSha384 => "ECDSA-384",
        IkeAuthenticationMethod.EcdsaSha512 => "ECDSA-521",
        _ => $"unknown ({Number(method)})",
    };

    /// <summary>
    /// The reasons each received transform was refused. <see cref="Closest"/> is the refusal of the transform that got
    /// furthest through the attribute checks (the first such in the peer's order): the one an administrator fixes.
    /// </summary>
    public sealed class Refusals(IkeNegotiationMode mode)
    {
        private readonly List<string> _lines = [];
        private int _closestDepth = -1;

        public ProposalMismatch? Closest { get; private set; }

        public void Add(byte proposal, byte? transform, int depth, string attribute, string expected, string received)
        {
            var mismatch = new ProposalMismatch(mode, attribute, expected, received);
            _lines.Add(transform is null ? $"proposal {proposal}: {mismatch}" : $"proposal {proposal} transform {transform}: {mismatch}");
            if (depth > _closestDepth)
            {
                (_closestDepth, Closest) = (depth, mismatch);
            }
        }

        /// <summary>Every refusal, one per received transform, for the audit detail and the trace.</summary>
        public override string ToString() => _lines.Count == 0 ? "no proposal received" : string.Join("; ", _lines);
    }
}
