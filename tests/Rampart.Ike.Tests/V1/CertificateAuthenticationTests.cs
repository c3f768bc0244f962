using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Rampart.Core;
using Rampart.Core.Algorithms;
using Rampart.Ike.V1;
using Rampart.Ike.Wire;

namespace Rampart.Ike.Tests.V1;

/// <summary>RFC 2409 §5.1 signature authentication between two engines: RSA and ECDSA certificates, IDs, CERTREQs, validation.</summary>
public class CertificateAuthenticationTests
{
    private static readonly IPAddress A = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress B = IPAddress.Parse("192.0.2.2");
    private static readonly IkeProposal Proposal = new(CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, DhGroup.Ecp256, TimeSpan.FromHours(8));

    public static TheoryData<IkeSignatureKind, bool> Chains => new()
    {
        { IkeSignatureKind.Rsa, false },
        { IkeSignatureKind.Rsa, true },
        { IkeSignatureKind.EcdsaP256, false },
        { IkeSignatureKind.EcdsaP256, true },
        { IkeSignatureKind.EcdsaP384, false },
        { IkeSignatureKind.EcdsaP384, true },
    };

    [Theory]
    [MemberData(nameof(Chains))]
    public void MainModeAndQuickMode_WithCertificates_EstablishAndHandTheChainToTheHost(IkeSignatureKind kind, bool withIntermediate)
    {
        using var pki = new Pki(kind, withIntermediate);
        using var net = new TwoEngines(pki.Peer(B, pki.HostA), pki.Peer(A, pki.HostB));
        net.Acquire();
        net.Run();

        var i = Assert.Single(net.Initiator.Installed);
        var r = Assert.Single(net.Responder.Installed);
        NegotiationTests.AssertSamePair(i.Outbound, r.Inbound);
        NegotiationTests.AssertSamePair(r.Outbound, i.Inbound);

        // Each side handed the other's chain (end-entity first, then the intermediate) to the host.
        var atResponder = Assert.Single(net.Responder.Validations);
        Assert.Equal(A, atResponder.Peer);
        Assert.Equal(pki.HostA.RawData, atResponder.EndEntity.RawData);
        Assert.Equal(withIntermediate ? [pki.Intermediate!.RawData] : [], atResponder.Intermediates.Select(c => c.RawData));
        Assert.Equal(["Test Root"], atResponder.Authentication.CaNames);
        var atInitiator = Assert.Single(net.Initiator.Validations);
        Assert.Equal(pki.HostB.RawData, atInitiator.EndEntity.RawData);

        // Both choosers were given the authority the other side requested: the root.
        Assert.All(pki.ChooserCalls, call => Assert.Equal([pki.Root.SubjectName.RawData], call.Requested.Select(a => a.RawData)));
        Assert.Equal(2, pki.ChooserCalls.Count);
        Assert.All(pki.ChooserCalls, call => Assert.Equal(kind, call.Kind));

        var row = Assert.Single(net.Responder.Engine.MainModeSas(net.Now));
        Assert.Equal(pki.HostA.Subject, row.PeerIdentity);
        var established = Assert.Single(net.Responder.Audits, a => a.Kind == IkeAuditKind.MainModeEstablished);
        Assert.Contains(kind == IkeSignatureKind.Rsa ? "RSA signature" : $"ECDSA-{(kind == IkeSignatureKind.EcdsaP256 ? 256 : 384)} signature", established.Detail);
        Assert.Contains(pki.HostA.Subject, established.Detail);
        Assert.Equal(0, net.Responder.Engine.Counters.Malformed + net.Initiator.Engine.Counters.Malformed);
        Assert.Equal((1, 1), (net.Responder.Engine.Counters.CertificateValidations, net.Initiator.Engine.Counters.CertificateValidations));
    }

    [Fact]
    public void ClearMessages_CarryTheSignatureMethodAndOneCertificateRequestPerAuthority()
    {
        using var pki = new Pki(IkeSignatureKind.Rsa, withIntermediate: false);
        var second = new X500DistinguishedName("CN=Second CA");
        var initiator = pki.Peer(B, pki.HostA, requested: [pki.Root.SubjectName, second]);
        using var net = new TwoEngines(initiator, pki.Peer(A, pki.HostB));
        net.Acquire();
        net.Run();

        var clear = net.Delivered.Where(d => (d.Datagram[19] & 1) == 0).Select(d => Parse(d.Datagram)).ToList();
        var transform = Assert.Single(Assert.Single(clear[0].Find<SecurityAssociationPayload>()!.Proposals).Transforms);
        Assert.True(ProposalCodec.TryReadIke(transform, out var attributes, out _));
        Assert.Equal((ulong)IkeAuthenticationMethod.RsaSignatures, attributes.AuthenticationMethod);
        var mm3Requests = clear[2].Payloads.OfType<CertificateRequestPayload>().ToList();
        Assert.Equal([pki.Root.SubjectName.RawData, second.RawData], mm3Requests.Select(c => c.Authority.ToArray()));
        Assert.All(mm3Requests, c => Assert.Equal(CertificatePayload.X509Signature, c.CertificateType));
        Assert.Single(clear[3].Payloads.OfType<CertificateRequestPayload>());
        Assert.Equal(2, net.Responder.Engine.MainModeSas(net.Now).Count + net.Initiator.Engine.MainModeSas(net.Now).Count);
    }

    [Fact]
    public void NoAuthorityToRequest_SendsAnEmptyCertificateRequest_AndThePeersChooserGetsAnEmptyList()
    {
        using var pki = new Pki(IkeSignatureKind.EcdsaP256, withIntermediate: false);
        using var net = new TwoEngines(pki.Peer(B, pki.HostA, requested: []), pki.Peer(A, pki.HostB));
        net.Acquire();
        net.Run();

        var mm3 = Parse(net.Delivered[2].Datagram);
        var request = Assert.Single(mm3.Payloads.OfType<CertificateRequestPayload>());
        Assert.True(request.Authority.IsEmpty);
        var responderChoice = Assert.Single(pki.ChooserCalls, c => c.Host == pki.HostB);
        Assert.Empty(responderChoice.Requested);
        Assert.Single(net.Responder.Installed);
    }

    [Theory]
    [InlineData(IdentificationType.Fqdn)]
    [InlineData(IdentificationType.Ipv4Address)]
    [InlineData(IdentificationType.DerAsn1Dn)]
    public void PeerIdentities_MatchingTheCertificate_AreAccepted(IdentificationType type)
    {
        using var pki = new Pki(IkeSignatureKind.Rsa, withIntermediate: false);
        using var net = new TwoEngines(pki.Peer(B, pki.HostA, identityType: type), pki.Peer(A, pki.HostB, identityType: type));
        net.Acquire();
        net.Run();

        Assert.Single(net.Initiator.Installed);
        Assert.Equal(pki.HostA.Subject, Assert.Single(net.Responder.Engine.MainModeSas(net.Now)).PeerIdentity);
    }

    [Fact]
    public void IdentityMatches_SubjectAlternativeNamesAndSubject()
    {
        using var pki = new Pki(IkeSignatureKind.EcdsaP256, withIntermediate: false);
        var host = pki.HostA;
        Assert.True(PeerCertificates.IdentityMatches(new IdentificationPayload(IdentificationType.DerAsn1Dn, 0, 0, host.SubjectName.RawData), host));
        Assert.False(PeerCertificates.IdentityMatches(new IdentificationPayload(IdentificationType.DerAsn1Dn, 0, 0, new X500DistinguishedName("CN=host-b, O=Rampart").RawData), host));
        Assert.True(PeerCertificates.IdentityMatches(new IdentificationPayload(IdentificationType.Fqdn, 0, 0, "A.example.org"u8), host));
        Assert.False(PeerCertificates.IdentityMatches(new IdentificationPayload(IdentificationType.Fqdn, 0, 0, "b.example.org"u8), host));
        Assert.True(PeerCertificates.IdentityMatches(IdentificationPayload.ForAddress(A), host));
        Assert.False(PeerCertificates.IdentityMatches(IdentificationPayload.ForAddress(B), host));
        Assert.False(PeerCertificates.IdentityMatches(new IdentificationPayload(IdentificationType.DerAsn1Dn, 0, 0, [0x30, 0x05, 0xff]), host));
    }

    [Fact]
    public void PeerIdNotInItsCertificate_IsRefusedWithAuthenticationFailed()
    {
        using var pki = new Pki(IkeSignatureKind.Rsa, withIntermediate: false);
        var initiator = pki.Peer(B, pki.HostA, localIdentity: new IkeIdentity(IdentificationType.Fqdn, Encoding.ASCII.GetBytes("mallory.example.org")));
        using var net = new TwoEngines(initiator, pki.Peer(A, pki.HostB));
        net.Acquire();
        net.Run();

        Assert.Empty(net.Responder.Installed);
        Assert.Empty(net.Responder.Validations);
        var refused = Assert.Single(net.Responder.Audits, a => a.Kind == IkeAuditKind.CertificateRejected);
        Assert.Equal(NotifyMessageType.AuthenticationFailed, refused.Reason);
        Assert.Contains("mallory.example.org", refused.Detail);
        Assert.Equal(1, net.Responder.Engine.Counters.CertificatesRejected);
        Assert.Contains(net.Initiator.Audits, a => a.Kind == IkeAuditKind.NegotiationFailed && a.Reason == NotifyMessageType.AuthenticationFailed);
        Assert.Empty(net.Responder.Engine.IsakmpSas());
    }

    [Fact]
    public void HostSaysInvalid_FailsWithTheCertificateRejectedAuditAndItsReason()
    {
        using var pki = new Pki(IkeSignatureKind.EcdsaP384, withIntermediate: true);
        using var net = new TwoEngines(pki.Peer(B, pki.HostA), pki.Peer(A, pki.HostB));
        net.Validate = v => v.EndEntity.Subject == pki.HostA.Subject ? CertificateCheck.Invalid("revoked (CRL of Test Root)") : CertificateCheck.Valid;
        net.Acquire();
        net.Run();

        Assert.Empty(net.Responder.Installed);
        Assert.Empty(net.Initiator.Installed);
        var refused = Assert.Single(net.Responder.Audits, a => a.Kind == IkeAuditKind.CertificateRejected);
        Assert.Equal(NotifyMessageType.AuthenticationFailed, refused.Reason);
        Assert.Contains("revoked (CRL of Test Root)", refused.Detail);
        Assert.Contains(pki.HostA.Subject, refused.Detail);
        Assert.Equal((1, 1), (net.Responder.Engine.Counters.CertificatesRejected, net.Responder.Engine.Counters.AuthenticationFailures));
        Assert.DoesNotContain(net.Responder.Audits, a => a.Kind == IkeAuditKind.MainModeEstablished);
        Assert.Contains(net.Initiator.Audits, a => a.Kind == IkeAuditKind.NegotiationFailed);
        Assert.Empty(net.Responder.Engine.IsakmpSas());
    }

    [Fact]
    public void WhileTheHostValidates_RetransmissionsAreAbsorbed_ThenMainModeCompletes()
    {
        using var pki = new Pki(IkeSignatureKind.Rsa, withIntermediate: false);
        using var net = new TwoEngines(pki.Peer(B, pki.HostA), pki.Peer(A, pki.HostB));
        net.Validate = _ => null;
        net.Acquire();
        net.Run();

        var request = Assert.Single(net.Responder.Validations);
        var mm5 = net.Delivered[^1];
        Assert.Same(net.Responder, mm5.To);
        var sent = net.Responder.Sent.Count;
        net.Deliver(net.Responder, mm5.Datagram, new IPEndPoint(B, IkePorts.Ike), new IPEndPoint(A, IkePorts.Ike));
        Assert.Equal(sent, net.Responder.Sent.Count); // MM4 is not sent again, MM6 not yet
        Assert.Equal(1, net.Responder.Engine.Counters.Replays);

        var actions = new List<IkeAction>();
        net.Responder.Engine.CompletePeerValidation(request.RequestId, CertificateCheck.Valid, net.Now, actions);
        net.Dispatch(net.Responder, actions);
        net.Run();
        var atInitiator = Assert.Single(net.Initiator.Validations);
        Assert.Empty(net.Initiator.Installed);
        actions.Clear();
        net.Initiator.Engine.CompletePeerValidation(atInitiator.RequestId, CertificateCheck.Valid, net.Now, actions);
        net.Dispatch(net.Initiator, actions);
        net.Run();

        Assert.Single(net.Initiator.Installed);
        Assert.Single(net.Responder.Installed);

        // A second answer to a request already answered changes nothing.
        actions.Clear();
        net.Responder.Engine.CompletePeerValidation(request.RequestId, CertificateCheck.Invalid("late"), net.Now, actions);
        Assert.Empty(actions);
        Assert.Single(net.Responder.Engine.IsakmpSas());
    }

    [Fact]
    public void HostNeverAnswers_TheValidationTimesOut_AndALateAnswerIsIgnored()
    {
        using var pki = new Pki(IkeSignatureKind.EcdsaP256, withIntermediate: false);
        using var net = new TwoEngines(pki.Peer(B, pki.HostA), pki.Peer(A, pki.HostB));
        net.Validate = _ => null;
        net.Acquire();
        net.Run();
        var request = Assert.Single(net.Responder.Validations);

        net.AdvanceTo(net.Now + TimeSpan.FromSeconds(21));

        var failed = Assert.Single(net.Responder.Audits, a => a.Kind == IkeAuditKind.NegotiationFailed);
        Assert.Contains("did not complete", failed.Detail);
        Assert.Equal(NotifyMessageType.AuthenticationFailed, failed.Reason);
        Assert.Empty(net.Responder.Engine.IsakmpSas());
        var actions = new List<IkeAction>();
        net.Responder.Engine.CompletePeerValidation(request.RequestId, CertificateCheck.Valid, net.Now, actions);
        net.Responder.Engine.CompletePeerValidation(987_654, CertificateCheck.Valid, net.Now, actions);
        Assert.Empty(actions);
        Assert.Empty(net.Responder.Installed);
    }

    [Fact]
    public void NoUsableCertificate_FailsTheInitiatorBeforeMm5()
    {
        using var pki = new Pki(IkeSignatureKind.Rsa, withIntermediate: false);
        var initiator = pki.Peer(B, pki.HostA, choose: false);
        using var net = new TwoEngines(initiator, pki.Peer(A, pki.HostB));
        net.Acquire();
        net.Run();

        var failed = Assert.Single(net.Initiator.Audits, a => a.Kind == IkeAuditKind.NegotiationFailed && a.Selector is null);
        Assert.Contains("no usable Rsa certificate", failed.Detail);
        Assert.Empty(net.Initiator.Engine.IsakmpSas());
        Assert.DoesNotContain(net.Delivered, d => (d.Datagram[19] & 1) != 0);
    }

    [Fact]
    public void CertificateOnlyInitiator_AgainstPreSharedKeyOnlyResponder_IsRefusedOnTheAuthenticationMethod()
    {
        using var pki = new Pki(IkeSignatureKind.Rsa, withIntermediate: false);
        using var net = new TwoEngines(pki.Peer(B, pki.HostA), TwoEngines.Peer(A, TwoEngines.Psk, Proposal));
        net.Acquire();
        net.Run();

        var refused = Assert.Single(net.Responder.Audits);
        Assert.Equal(NotifyMessageType.NoProposalChosen, refused.Reason);
        Assert.Equal("Authentication Method", refused.Mismatch!.Attribute);
        Assert.Equal("Preshared Key", refused.Mismatch.Expected);
        Assert.Equal("RSA Signatures", refused.Mismatch.Received);
    }

    [Fact]
    public void SeveralMethods_AreOfferedInTheRulesOrder_AndTheResponderTakesTheFirstItAccepts()
    {
        using var pki = new Pki(IkeSignatureKind.Rsa, withIntermediate: false);
        var second = Proposal with { Cipher = CipherAlgorithm.AesCbc256 };
        var certificates = (IkeCertificateAuthentication)pki.Peer(B, pki.HostA).AuthenticationMethods[0];
        using var initiator = new IkeV1PeerConfig(B, [new IkePreSharedKey("ABC123"u8), certificates], [Proposal, second]);
        using var net = new TwoEngines(initiator, pki.Peer(A, pki.HostB));
        net.Acquire();
        net.Run();

        var offered = Parse(net.Delivered[0].Datagram).Find<SecurityAssociationPayload>()!.Proposals[0].Transforms;
        var methods = offered.Select(t => ProposalCodec.TryReadIke(t, out var a, out _) ? (IkeAuthenticationMethod)a.AuthenticationMethod : 0).ToList();
        Assert.Equal([IkeAuthenticationMethod.PreSharedKey, IkeAuthenticationMethod.PreSharedKey, IkeAuthenticationMethod.RsaSignatures, IkeAuthenticationMethod.RsaSignatures], methods);
        Assert.Equal([1, 2, 3, 4], offered.Select(t => (int)t.Number));

        // The responder has only certificates: it skips the pre-shared key transforms.
        Assert.Single(net.Responder.Installed);
        Assert.Contains("RSA signature", Assert.Single(net.Responder.Audits, a => a.Kind == IkeAuditKind.MainModeEstablished).Detail);
    }

    [Fact]
    public void PreSharedKeyOfferedAfterCertificates_IsTakenByAResponderWithoutCertificates()
    {
        using var pki = new Pki(IkeSignatureKind.EcdsaP256, withIntermediate: false);
        var certificates = (IkeCertificateAuthentication)pki.Peer(B, pki.HostA).AuthenticationMethods[0];
        using var initiator = new IkeV1PeerConfig(B, [certificates, new IkePreSharedKey(Encoding.ASCII.GetBytes(TwoEngines.Psk))], [Proposal]);
        using var net = new TwoEngines(initiator, TwoEngines.Peer(A, TwoEngines.Psk, Proposal));
        net.Acquire();
        net.Run();

        Assert.Single(net.Initiator.Installed);
        Assert.Empty(net.Responder.Validations);
        Assert.Contains("pre-shared key", Assert.Single(net.Initiator.Audits, a => a.Kind == IkeAuditKind.MainModeEstablished).Detail);
        Assert.Equal(B.ToString(), Assert.Single(net.Initiator.Engine.MainModeSas(net.Now)).PeerIdentity);
    }

    [Fact]
    public void ProposalSelection_RefusesAnAuthenticationMethodNotOffered()
    {
        var dss = ProposalCodec.EncodeIke(1, Proposal, IkeAuthenticationMethod.DssSignatures);
        var refusals = new ProposalSelection.Refusals(IkeNegotiationMode.MainMode);
        Assert.False(ProposalSelection.TryMatchIke(dss, [Proposal], out _, refusals, methods: [IkeAuthenticationMethod.RsaSignatures, IkeAuthenticationMethod.EcdsaSha256]));
        Assert.Equal("RSA Signatures or ECDSA-256", refusals.Closest!.Expected);
        Assert.Equal("DSS Signatures", refusals.Closest.Received);
        Assert.True(ProposalSelection.TryMatchIke(ProposalCodec.EncodeIke(1, Proposal, IkeAuthenticationMethod.EcdsaSha256), [Proposal], out _, methods: [IkeAuthenticationMethod.EcdsaSha256]));
    }

    internal static IsakmpMessage Parse(byte[] datagram)
    {
        Assert.True(IsakmpMessage.TryParse(datagram, out var message, out _));
        return message!;
    }

    /// <summary>A root (and intermediate) with two hosts, and the peer configurations that use them.</summary>
    internal sealed class Pki : IDisposable
    {
        public Pki(IkeSignatureKind kind, bool withIntermediate)
        {
            Kind = kind;
            Root = TestPki.Root("Test Root", kind);
            Intermediate = withIntermediate ? TestPki.Intermediate(Root, "Test Intermediate", kind) : null;
            var issuer = Intermediate ?? Root;
            HostA = TestPki.Host(issuer, "CN=host-a, O=Rampart", kind, ["a.example.org"], [A]);
            HostB = TestPki.Host(issuer, "CN=host-b, O=Rampart", kind, ["b.example.org"], [B]);
        }

        public IkeSignatureKind Kind { get; }

        public X509Certificate2 Root { get; }

        public X509Certificate2? Intermediate { get; }

        public X509Certificate2 HostA { get; }

        public X509Certificate2 HostB { get; }

        public List<(X509Certificate2 Host, IReadOnlyList<X500DistinguishedName> Requested, IkeSignatureKind Kind)> ChooserCalls { get; } = [];

        public IkeV1PeerConfig Peer(
            IPAddress remote,
            X509Certificate2 host,
            X500DistinguishedName[]? requested = null,
            IdentificationType identityType = IdentificationType.DerAsn1Dn,
            IkeIdentity? localIdentity = null,
            bool choose = true) =>
            new(remote, [Method(host, requested, identityType, choose)], [Proposal]) { LocalIdentity = localIdentity };

        public IkeCertificateAuthentication Method(X509Certificate2 host, X500DistinguishedName[]? requested = null, IdentificationType identityType = IdentificationType.DerAsn1Dn, bool choose = true) => new()
        {
            CaNames = ["Test Root"],
            RequestedAuthorities = requested ?? [Root.SubjectName],
            SignatureKinds = [Kind],
            IdentityType = identityType,
            ChooseCredential = (peerRequested, kind) =>
            {
                ChooserCalls.Add((host, peerRequested, kind));
                return choose && kind == Kind ? (Intermediate is null ? TestPki.Credential(host) : TestPki.Credential(host, Intermediate)) : null;
            },
        };

        public void Dispose()
        {
            Root.Dispose();
            Intermediate?.Dispose();
            HostA.Dispose();
            HostB.Dispose();
        }
    }
}
