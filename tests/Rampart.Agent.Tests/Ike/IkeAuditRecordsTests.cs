using System.Net;
using Rampart.Agent.Ike;
using Rampart.Core.Auditing;
using Rampart.Ike;
using Rampart.Ike.Wire;

namespace Rampart.Agent.Tests.Ike;

/// <summary>How the engine's failures become the walkthrough's events 545-547, 546 naming what did not match.</summary>
public class IkeAuditRecordsTests
{
    private static readonly IPAddress Peer = IPAddress.Parse("192.0.2.2");
    private static readonly ProxyIdentities Selector = new(ProxyIdentity.Host(IPAddress.Parse("192.0.2.1")), ProxyIdentity.Host(Peer, protocol: 17, port: 53));

    [Fact]
    public void MainModeRefusedByUs_Is546_WithModeAttributeExpectedAndReceived()
    {
        var mismatch = new ProposalMismatch(IkeNegotiationMode.MainMode, "Encryption Algorithm", "AES-CBC-256 or AES-CBC-128", "3DES");
        var audit = new IkeAuditEvent(IkeAuditKind.NegotiationFailed, Peer, NotifyMessageType.NoProposalChosen, true, "Main Mode: no acceptable IKE proposal (…)", Mismatch: mismatch);

        var record = IkeAuditRecords.FromEngine(audit)!;

        Assert.Equal(AuditEventId.InvalidProposal, record.EventId);
        Assert.False(record.Success);
        Assert.Equal("Key Exchange Mode (Main Mode)", Value(record, "Mode"));
        Assert.Equal("Encryption Algorithm", Value(record, "Attribute"));
        Assert.Equal("AES-CBC-256 or AES-CBC-128", Value(record, "Expected Value"));
        Assert.Equal("3DES", Value(record, "Received Value"));
        Assert.Equal(
            "IKE proposal not acceptable with 192.0.2.2: Key Exchange Mode (Main Mode), Encryption Algorithm: expected AES-CBC-256 or AES-CBC-128, received 3DES",
            record.Summary);
        Assert.StartsWith("NoProposalChosen", Value(record, "Failure Reason"), StringComparison.Ordinal);
        Assert.Null(Value(record, "Source IP Address"));
    }

    [Fact]
    public void MainModeWithACertificate_Is541_WithTheCertificateBasedIdentity()
    {
        var audit = new IkeAuditEvent(IkeAuditKind.MainModeEstablished, Peer, null, true, "Main Mode initiator …")
        {
            PeerIdentity = "CN=b.rampart.test",
            Authentication = IkeAuthenticationMethod.RsaSignatures,
        };

        var record = IkeAuditRecords.FromEngine(audit)!;

        Assert.Equal(AuditEventId.SecurityAssociationEstablished, record.EventId);
        Assert.Equal("CN=b.rampart.test", Value(record, "Certificate based Identity"));
        Assert.Null(Value(record, "Preshared Key ID"));
        Assert.Equal("192.0.2.2", Value(record, "Peer IP Address"));
    }

    [Fact]
    public void RefusedCertificate_Is544_WithTheReason()
    {
        var audit = new IkeAuditEvent(IkeAuditKind.CertificateRejected, Peer, NotifyMessageType.AuthenticationFailed, true, "Main Mode: certificate of CN=b rejected: revoked: …");

        var record = IkeAuditRecords.FromEngine(audit)!;

        Assert.Equal(AuditEventId.CertificateTrustFailed, record.EventId);
        Assert.False(record.Success);
        Assert.Contains("revoked", Value(record, "Failure Reason"), StringComparison.Ordinal);
        Assert.Null(Value(record, "Preshared Key ID"));
        Assert.Equal("192.0.2.2", Value(record, "Peer IP Address"));
    }

    [Fact]
    public void QuickModeRefusedByUs_Is546_WithTheFilterAndDataProtectionMode()
    {
        var mismatch = new ProposalMismatch(IkeNegotiationMode.QuickMode, "PFS Group", "modp2048 (group 14)", "none");
        var audit = new IkeAuditEvent(IkeAuditKind.NegotiationFailed, Peer, NotifyMessageType.NoProposalChosen, true, "Quick Mode refused: …", Selector, mismatch);

        var record = IkeAuditRecords.FromEngine(audit)!;

        Assert.Equal(AuditEventId.InvalidProposal, record.EventId);
        Assert.Equal("Data Protection Mode (Quick Mode)", Value(record, "Mode"));
        Assert.Equal("PFS Group", Value(record, "Attribute"));
        Assert.Equal("modp2048 (group 14)", Value(record, "Expected Value"));
        Assert.Equal("none", Value(record, "Received Value"));
        Assert.Equal("192.0.2.2", Value(record, "Destination IP Address"));
        Assert.Equal("53", Value(record, "Destination Port"));
    }

    [Fact]
    public void OursRefusedByThePeer_Is546_NamingTheModeOnly()
    {
        var audit = new IkeAuditEvent(IkeAuditKind.NegotiationFailed, Peer, NotifyMessageType.NoProposalChosen, true, "Quick Mode: peer sent NoProposalChosen",
            Selector, ProposalMismatch.RefusedByPeer(IkeNegotiationMode.QuickMode));

        var record = IkeAuditRecords.FromEngine(audit)!;

        Assert.Equal(AuditEventId.InvalidProposal, record.EventId);
        Assert.Equal("Data Protection Mode (Quick Mode)", Value(record, "Mode"));
        Assert.Equal("unknown (refused by the peer)", Value(record, "Attribute"));
        Assert.Null(Value(record, "Expected Value"));
        Assert.Null(Value(record, "Received Value"));
        Assert.Equal("IKE proposal not acceptable with 192.0.2.2: Data Protection Mode (Quick Mode), unknown (refused by the peer)", record.Summary);
    }

    [Theory]
    [InlineData(NotifyMessageType.AuthenticationFailed, AuditEventId.PeerAuthenticationFailed)]
    [InlineData(NotifyMessageType.InvalidKeyInformation, AuditEventId.NegotiationFailed)]
    [InlineData(null, AuditEventId.NegotiationFailed)]
    public void OtherFailures_Are545Or547_WithoutProposalFields(NotifyMessageType? reason, AuditEventId expected)
    {
        var record = IkeAuditRecords.Failure(Peer, reason, "Main Mode: something", null, peerAnswered: reason is not null);

        Assert.Equal(expected, record.EventId);
        Assert.DoesNotContain(record.Fields, f => f.Name is "Mode" or "Attribute" or "Expected Value" or "Received Value");
        Assert.Equal(reason is null ? "no" : "yes", Value(record, "Peer Answered"));
    }

    private static string? Value(IkeAuditRecord record, string name) => record.Fields.FirstOrDefault(f => f.Name == name)?.Value;
}
