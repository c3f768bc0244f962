using System.Net;
using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;
using Rampart.Ike.V1;
using Rampart.Ike.Wire;

namespace Rampart.Ike.Tests.V1;

/// <summary>A refused negotiation says why: the responder names the first attribute that ruled each proposal out.</summary>
public class ProposalMismatchTests
{
    private static readonly IPAddress InitiatorAddress = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress ResponderAddress = IPAddress.Parse("192.0.2.2");

    /// <summary>The key exchange defaults a modern policy offers (AES-CBC-256/SHA-256/ECP-256, then AES-CBC-128/SHA-256/MODP-2048).</summary>
    private static readonly IkeProposal[] Modern =
    [
        new(CipherAlgorithm.AesCbc256, IntegrityAlgorithm.Sha256, DhGroup.Ecp256, TimeSpan.FromHours(8)),
        new(CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, DhGroup.Modp2048, TimeSpan.FromHours(8)),
    ];

    private static readonly IkeProposal Legacy = new(CipherAlgorithm.TripleDes, IntegrityAlgorithm.Sha1, DhGroup.Modp1024, TimeSpan.FromHours(8));

    [Fact]
    public void MainMode_LegacyOnlyOfferToAModernResponder_NamesTheEncryptionAlgorithm()
    {
        using var net = MainModeBetween([Legacy], Modern);

        var refused = Assert.Single(net.Responder.Audits);
        Assert.Equal(NotifyMessageType.NoProposalChosen, refused.Reason);
        Assert.Equal(new ProposalMismatch(IkeNegotiationMode.MainMode, "Encryption Algorithm", "AES-CBC-256 or AES-CBC-128", "3DES"), refused.Mismatch);
        Assert.Contains("proposal 1 transform 1: Encryption Algorithm: expected AES-CBC-256 or AES-CBC-128, received 3DES", refused.Detail, StringComparison.Ordinal);

        // The initiator only heard NO-PROPOSAL-CHOSEN.
        var told = Assert.Single(net.Initiator.Audits, a => a.Selector is null);
        Assert.Equal(NotifyMessageType.NoProposalChosen, told.Reason);
        Assert.Equal(ProposalMismatch.RefusedByPeer(IkeNegotiationMode.MainMode), told.Mismatch);
        Assert.All(net.Initiator.Audits, a => Assert.Equal(IkeNegotiationMode.MainMode, a.Mismatch?.Mode));
    }

    [Theory]
    [InlineData(CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha1, DhGroup.Modp2048, "Hash Algorithm", "SHA-256", "SHA-1")]
    [InlineData(CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, DhGroup.Modp1024, "Diffie-Hellman Group", "modp2048 (group 14)", "modp1024 (group 2)")]
    [InlineData(CipherAlgorithm.AesCbc256, IntegrityAlgorithm.Sha256, DhGroup.Modp2048, "Diffie-Hellman Group", "ecp256 (group 19)", "modp2048 (group 14)")]
    public void MainMode_TheFirstAttributeThatDiffers_IsReported(CipherAlgorithm cipher, IntegrityAlgorithm hash, DhGroup group, string attribute, string expected, string received)
    {
        using var net = MainModeBetween([new IkeProposal(cipher, hash, group, TimeSpan.FromHours(8))], Modern);

        Assert.Equal(new ProposalMismatch(IkeNegotiationMode.MainMode, attribute, expected, received), Assert.Single(net.Responder.Audits).Mismatch);
    }

    [Fact]
    public void MainMode_SeveralRefusedTransforms_ReportTheClosest_AndListEach()
    {
        var nearlyModern = new IkeProposal(CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, DhGroup.Modp1024, TimeSpan.FromHours(8));
        using var net = MainModeBetween([Legacy, nearlyModern], Modern);

        var refused = Assert.Single(net.Responder.Audits);
        Assert.Equal("Diffie-Hellman Group", refused.Mismatch!.Attribute);
        Assert.Contains("transform 1: Encryption Algorithm", refused.Detail, StringComparison.Ordinal);
        Assert.Contains("transform 2: Diffie-Hellman Group", refused.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void QuickMode_LegacyEspOfferToAModernResponder_NamesTheEncryptionAlgorithm()
    {
        var legacyEsp = new QuickModePolicy([new IpsecProposal(SaProtocol.Esp, CipherAlgorithm.TripleDes, IntegrityAlgorithm.Sha1, 900, 0)], DhGroup.None, SaMode.Transport);
        using var net = new TwoEngines(responderQuickMode: TwoEngines.EspGcm());
        net.Acquire(legacyEsp);
        net.Run();

        Assert.Empty(net.Initiator.Installed);
        var refused = Assert.Single(net.Responder.Audits, a => a.Kind == IkeAuditKind.NegotiationFailed);
        Assert.Equal(net.Selector.Remote, refused.Selector!.Local);
        Assert.Equal(new ProposalMismatch(IkeNegotiationMode.QuickMode, "Encryption Algorithm", "AES-GCM-128", "3DES"), refused.Mismatch);

        var told = Assert.Single(net.Initiator.Audits, a => a.Kind == IkeAuditKind.NegotiationFailed);
        Assert.Equal(NotifyMessageType.NoProposalChosen, told.Reason);
        Assert.Equal(ProposalMismatch.RefusedByPeer(IkeNegotiationMode.QuickMode), told.Mismatch);
        Assert.Equal(net.Selector, told.Selector);
    }

    [Theory]
    [InlineData(SaProtocol.Ah, CipherAlgorithm.Null, IntegrityAlgorithm.Sha256, DhGroup.None, SaMode.Transport, "Protocol", "ESP", "AH")]
    [InlineData(SaProtocol.Esp, CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha1, DhGroup.None, SaMode.Transport, "Integrity Algorithm", "SHA-256", "SHA-1")]
    [InlineData(SaProtocol.Esp, CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, DhGroup.None, SaMode.Tunnel, "Encapsulation Mode", "Transport", "Tunnel (1)")]
    [InlineData(SaProtocol.Esp, CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, DhGroup.None, SaMode.Transport, "PFS Group", "modp2048 (group 14)", "none")]
    public void QuickMode_TheFirstAttributeThatDiffers_IsReported(SaProtocol protocol, CipherAlgorithm cipher, IntegrityAlgorithm integrity, DhGroup pfs, SaMode mode, string attribute, string expected, string received)
    {
        var responder = new QuickModePolicy([new IpsecProposal(SaProtocol.Esp, CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, 900, 0)], DhGroup.Modp2048, SaMode.Transport);
        var offer = new QuickModePolicy([new IpsecProposal(protocol, cipher, integrity, 900, 0)], pfs, mode);
        using var net = new TwoEngines(responderQuickMode: responder);
        net.Acquire(offer);
        net.Run();

        var refused = Assert.Single(net.Responder.Audits, a => a.Kind == IkeAuditKind.NegotiationFailed);
        Assert.Equal(new ProposalMismatch(IkeNegotiationMode.QuickMode, attribute, expected, received), refused.Mismatch);
    }

    [Fact]
    public void QuickMode_ForTrafficNoFilterCovers_NamesTheIdentities()
    {
        using var net = new TwoEngines(responderOptions: new IkeV1EngineOptions
        {
            FindPeer = address => address.Equals(InitiatorAddress) ? TwoEngines.Peer(InitiatorAddress, TwoEngines.Psk) : null,
            FindQuickMode = (_, _) => null,
        });
        net.Acquire();
        net.Run();

        var refused = Assert.Single(net.Responder.Audits, a => a.Kind == IkeAuditKind.NegotiationFailed);
        Assert.Equal("Identities", refused.Mismatch!.Attribute);
        Assert.Equal("192.0.2.2/32 to 192.0.2.1/32", refused.Mismatch.Received);
    }

    [Theory]
    [InlineData(IkeAttributeType.AuthenticationMethod, 3, "Authentication Method", "Preshared Key", "RSA Signatures")]
    [InlineData(IkeAttributeType.AuthenticationMethod, 65001, "Authentication Method", "Preshared Key", "unknown (65001)")]
    [InlineData(IkeAttributeType.LifeType, 7, "Lifetime Type", "Seconds or Kilobytes", "7")]
    [InlineData(IkeAttributeType.EncryptionAlgorithm, 6, "Encryption Algorithm", "AES-CBC-256 or AES-CBC-128", "CastCbc (6) with a 128-bit key")]
    [InlineData(IkeAttributeType.Prf, 1, "Attribute", "the RFC 2409 attributes", "type 13")]
    public void MainModeTransform_WithAnAttributeWeDoNotImplement_NamesIt(IkeAttributeType changed, int value, string attribute, string expected, string received)
    {
        var transform = ProposalCodec.EncodeIke(1, Modern[1]);
        var attributes = transform.Attributes.Where(a => a.Type != (ushort)changed).Append(DataAttribute.Basic((ushort)changed, (ushort)value)).ToList();
        var changedTransform = new TransformPayload(1, TransformPayload.KeyIke, attributes);
        var refusals = new ProposalSelection.Refusals(IkeNegotiationMode.MainMode);

        Assert.True(ProposalSelection.TryMatchIke(transform, Modern, out var accepted));
        Assert.Equal(Modern[1], accepted);
        Assert.False(ProposalSelection.TryMatchIke(changedTransform, Modern, out _, refusals));
        Assert.Equal(new ProposalMismatch(IkeNegotiationMode.MainMode, attribute, expected, received), refusals.Closest);
    }

    private static TwoEngines MainModeBetween(IkeProposal[] initiator, IkeProposal[] responder)
    {
        var net = new TwoEngines(TwoEngines.Peer(ResponderAddress, TwoEngines.Psk, initiator), TwoEngines.Peer(InitiatorAddress, TwoEngines.Psk, responder));
        net.Acquire();
        net.Run();
        return net;
    }
}
