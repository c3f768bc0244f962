using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rampart.Core;
using Rampart.Ike.Crypto;
using Rampart.Ike.V1;
using Rampart.Ike.Wire;

namespace Rampart.Ike.Tests.V1;

/// <summary>
/// A signed MM5 rewritten in flight (decrypted and re-encrypted with the initiator's keys, so that only the responder's
/// certificate and signature checks stand in the way): every hostile variant is counted and fails the Main Mode cleanly.
/// </summary>
public class CertificateHostileInputTests
{
    private static readonly IPAddress A = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress B = IPAddress.Parse("192.0.2.2");

    public static TheoryData<string> CertificateVariants => new()
    {
        "garbage-der",
        "100-certificates",
        "64k-certificate",
        "rsa-16384",
        "rsa-768",
        "dsa",
        "ecdsa-where-rsa-negotiated",
        "no-certificate",
    };

    [Fact]
    public void UnchangedMm5_ThroughTheRewriter_StillEstablishes()
    {
        using var pki = new CertificateAuthenticationTests.Pki(IkeSignatureKind.Rsa, withIntermediate: false);
        using var net = new TwoEngines(pki.Peer(B, pki.HostA), pki.Peer(A, pki.HostB));

        RewriteMm5(net, (_, payloads) => payloads);

        Assert.Single(net.Responder.Installed);
        Assert.Single(net.Initiator.Installed);
    }

    [Theory]
    [InlineData(IkeSignatureKind.EcdsaP256)]
    [InlineData(IkeSignatureKind.EcdsaP384)]
    public void EcdsaSignature_IsOverHashIMadeWithTheCurvesHmac_WhateverTheProposalsHash(IkeSignatureKind kind)
    {
        // The proposal negotiates SHA-256; with P-384 strongSwan computes HASH_I with HMAC-SHA-384 all the same.
        using var pki = new CertificateAuthenticationTests.Pki(kind, withIntermediate: false);
        using var net = new TwoEngines(pki.Peer(B, pki.HostA), pki.Peer(A, pki.HostB));
        byte[]? hashI = null;
        byte[]? withProposalHash = null;
        byte[]? signature = null;

        RewriteMm5(net, (phase1, payloads) =>
        {
            var id = payloads.OfType<IdentificationPayload>().Single();
            byte[] data = [.. phase1.PublicI, .. phase1.PublicR, .. phase1.CookieBytes(), .. phase1.InitiatorSaBody, .. id.BodyBytes()];
            hashI = kind == IkeSignatureKind.EcdsaP384 ? HMACSHA384.HashData(phase1.Skeyid, data) : HMACSHA256.HashData(phase1.Skeyid, data);
            withProposalHash = HMACSHA256.HashData(phase1.Skeyid, data);
            signature = payloads.OfType<SignaturePayload>().Single().Data.ToArray();
            return payloads;
        });

        using var key = pki.HostA.GetECDsaPublicKey()!;
        Assert.Equal(kind == IkeSignatureKind.EcdsaP384 ? 96 : 64, signature!.Length);
        Assert.True(key.VerifyHash(hashI!, signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        Assert.Equal(kind == IkeSignatureKind.EcdsaP256, key.VerifyHash(withProposalHash!, signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        Assert.Single(net.Responder.Installed);
    }

    [Theory]
    [MemberData(nameof(CertificateVariants))]
    public void HostileCertificates_AreRejectedCountedAndAudited(string variant)
    {
        using var pki = new CertificateAuthenticationTests.Pki(IkeSignatureKind.Rsa, withIntermediate: false);
        using var net = new TwoEngines(pki.Peer(B, pki.HostA), pki.Peer(A, pki.HostB));

        RewriteMm5(net, (_, payloads) =>
        {
            var rest = payloads.Where(p => p is not CertificatePayload).ToList();
            rest.InsertRange(1, Certificates(variant, pki));
            return rest;
        });

        AssertRefused(net, IkeAuditKind.CertificateRejected);
        Assert.Equal(1, net.Responder.Engine.Counters.CertificatesRejected);
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("extended")]
    [InlineData("other-key")]
    [InlineData("empty")]
    public void BadSignatures_FailAuthenticationWithoutValidation(string variant)
    {
        using var pki = new CertificateAuthenticationTests.Pki(IkeSignatureKind.Rsa, withIntermediate: false);
        using var mallory = TestPki.Host(pki.Root, "CN=mallory", IkeSignatureKind.Rsa);
        using var net = new TwoEngines(pki.Peer(B, pki.HostA), pki.Peer(A, pki.HostB));

        RewriteMm5(net, (phase1, payloads) =>
        {
            var signature = payloads.OfType<SignaturePayload>().Single().Data.ToArray();
            var id = payloads.OfType<IdentificationPayload>().Single();
            byte[] replaced = variant switch
            {
                "truncated" => signature[..^1],
                "extended" => [.. signature, 0],
                "empty" => [],
                _ => IkeSignatures.Sign(mallory, IkeSignatureKind.Rsa, IkeV1KeyDerivation.HashI(
                    phase1.Prf!, phase1.Skeyid, phase1.PublicI, phase1.PublicR, phase1.CookieI, phase1.CookieR, phase1.InitiatorSaBody, id.BodyBytes())),
            };
            return [.. payloads.Select(p => p is SignaturePayload ? new SignaturePayload(replaced) : p)];
        });

        AssertRefused(net, IkeAuditKind.NegotiationFailed);
        Assert.Equal(0, net.Responder.Engine.Counters.CertificatesRejected);
        Assert.Contains("does not verify", Assert.Single(net.Responder.Audits).Detail);
    }

    [Fact]
    public void Mm5WithoutSignaturePayload_FailsAuthentication()
    {
        using var pki = new CertificateAuthenticationTests.Pki(IkeSignatureKind.EcdsaP256, withIntermediate: false);
        using var net = new TwoEngines(pki.Peer(B, pki.HostA), pki.Peer(A, pki.HostB));

        RewriteMm5(net, (_, payloads) => [.. payloads.Where(p => p is not SignaturePayload)]);

        AssertRefused(net, IkeAuditKind.NegotiationFailed);
    }

    private static IEnumerable<CertificatePayload> Certificates(string variant, CertificateAuthenticationTests.Pki pki)
    {
        CertificatePayload Cert(byte[] der) => new(CertificatePayload.X509Signature, der);
        switch (variant)
        {
            case "garbage-der":
                return [Cert([0x30, 0x82, 0x01, 0x00, .. RandomNumberGenerator.GetBytes(300)])];
            case "100-certificates":
                return [Cert(pki.HostA.RawData), .. Enumerable.Repeat(Cert(pki.Root.RawData), 99)];
            case "64k-certificate":
                // As large as a payload gets (its length field is 16 bits): a real certificate with 62 KB of trailing bytes.
                return [Cert([.. pki.HostA.RawData, .. new byte[65_000 - pki.HostA.RawData.Length]])];
            case "rsa-16384":
                using (var big = TestPki.ForPublicKey(pki.Root, pki.HostA.Subject, TestPki.RsaPublicKey(16384)))
                {
                    return [Cert(big.RawData)];
                }

            case "rsa-768":
                using (var small = TestPki.ForPublicKey(pki.Root, pki.HostA.Subject, TestPki.RsaPublicKey(768)))
                {
                    return [Cert(small.RawData)];
                }

            case "dsa":
                using (var key = DSA.Create(1024))
                using (var dsa = TestPki.ForPublicKey(pki.Root, pki.HostA.Subject, new PublicKey(key)))
                {
                    return [Cert(dsa.RawData)];
                }

            case "ecdsa-where-rsa-negotiated":
                using (var ecdsaRoot = TestPki.Root("EC Root", IkeSignatureKind.EcdsaP256))
                using (var ecdsa = TestPki.Host(ecdsaRoot, pki.HostA.Subject, IkeSignatureKind.EcdsaP256))
                {
                    return [Cert(ecdsa.RawData)];
                }

            default:
                return [];
        }
    }

    /// <summary>Runs the negotiation, holding the initiator's MM5 back, and delivers <paramref name="rewrite"/>'s version instead.</summary>
    private static void RewriteMm5(TwoEngines net, Func<Phase1Sa, List<IsakmpPayload>, List<IsakmpPayload>> rewrite)
    {
        byte[]? mm5 = null;
        net.Validate = _ => CertificateCheck.Valid;
        net.Lose = (from, send) =>
        {
            if (from != net.Initiator || mm5 is not null || send.Datagram[18] != (byte)ExchangeType.IdentityProtection || (send.Datagram[19] & 1) == 0)
            {
                return false;
            }

            mm5 = send.Datagram;
            return true;
        };
        net.Acquire();
        net.Run();
        Assert.NotNull(mm5);
        net.Lose = (_, _) => false;

        var phase1 = Assert.Single(net.Initiator.Engine.IsakmpSas());
        Assert.True(IsakmpHeader.TryParse(mm5, out var header, out _));
        var iv = IkeV1KeyDerivation.InitialIv(phase1.Prf!, phase1.PublicI, phase1.PublicR, phase1.Cipher!.BlockSize);
        Assert.True(phase1.TryDecrypt(header, mm5, iv, out var payloads, out _, out _));
        var forged = phase1.Encrypt(phase1.Header(ExchangeType.IdentityProtection, 0), rewrite(phase1, payloads), ref iv);

        net.Deliver(net.Responder, forged, new IPEndPoint(B, IkePorts.Ike), new IPEndPoint(A, IkePorts.Ike));
        net.Run();
    }

    private static void AssertRefused(TwoEngines net, IkeAuditKind kind)
    {
        var refused = Assert.Single(net.Responder.Audits);
        Assert.Equal(kind, refused.Kind);
        Assert.Equal(NotifyMessageType.AuthenticationFailed, refused.Reason);
        Assert.Equal(1, net.Responder.Engine.Counters.AuthenticationFailures);
        Assert.Empty(net.Responder.Validations);
        Assert.Empty(net.Responder.Installed);
        Assert.Empty(net.Responder.Engine.IsakmpSas());
        Assert.Equal(0, net.Responder.Engine.Counters.Malformed);

        // The responder told the initiator (unprotected AUTHENTICATION-FAILED), which failed too.
        var notify = net.Responder.Sent[^1].Datagram;
        Assert.Equal((byte)ExchangeType.Informational, notify[18]);
        Assert.Contains(net.Initiator.Audits, a => a.Kind == IkeAuditKind.NegotiationFailed && a.Reason == NotifyMessageType.AuthenticationFailed);
    }
}
