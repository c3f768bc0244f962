using System.Net;
using Rampart.Core.Algorithms;
using Rampart.Ike.V1;
using Rampart.Ike.Wire;

namespace Rampart.Ike.Tests.Wire;

/// <summary>Messages captured from strongSwan 5.9.8 (charon, IKEv1 Main Mode PSK, default proposals) with tshark.</summary>
public class StrongSwanCaptureTests
{
    // MM1: SA (one proposal, 4 transforms: aes128-sha256-modp2048, aes128-sha1-modp1024, 3des-sha1-modp1024, 3des-md5-modp1024),
    // vendor IDs (strongSwan, XAuth, DPD, FRAGMENTATION, NAT-T RFC 3947, draft-02\n).
    private const string MainMode1 = "5ba202fa68c8fe0a000000000000000001100200000000000000012c0d00009c00000001000000010000009001010004030000240101000080010007800e0080800200048004000e80030001800b0001800c3de0030000240201000080010007800e0080800200028004000280030001800b0001800c3de0030000200301000080010005800200028004000280030001800b0001800c3de0000000200401000080010005800200018004000280030001800b0001800c3de00d000014882fe56d6fd20dbc2251613b2ebe5beb0d00000c09002689dfd6b7120d000014afcad71368a1f1c96b8696fc775701000d0000184048b7d56ebce88525e7de7f00d6c2d3800000000d0000144a131c81070358455c5728f20e95452f0000001490cb80913ebb696e086381b5ec427b1f";

    // MM4: KE (modp2048), nonce, two NAT-D (one deliberately wrong: libipsec fakes a NAT).
    private const string MainMode4 = "5ba202fa68c8fe0aa64c5cf849d44be204100200000000000000018c0a00010473875fe200766d061a1432d93b30ee13395a580285f10f66bdc8eea6be57baa606f53ebbfb64dbe091d7ee4a7983dd20d37546eb6276c57141636a488508bd701f600b9cfa11292b62925d16b26264e28b5c40995f7005e4f30548105d088b8847b5df891d4109046690d126c3913031e7423c6d31ffc5bf37fce0716889b34829b380fdda3b63463bcc062dc4d7408b403c0d4a3899b567d864164d2c415bc1f6fb352a725167758bc9fd340f992a6c229baf9e14ec9eda530d4379adf6f760f8f96261917a6be8413502085a6a0ec1732332512c7e78734d247df707c20753f9ea81e876018c2cefd3e37e417281a8ae9220edc1d7cb541b5d995ca4e12de914000024be722f422d0860022fe6e7280dbc7c0b8498d52cc0a26911f6f20da9c60e2f10140000241a16f223011d355b75264d0a6c23f520f5e268c158201561e7d59f0986433dcd0000002433f9e401198dd6268edd12123c8ac4ef677e9b02190d0bdd47858b5505d2a333";

    [Theory]
    [InlineData(MainMode1)]
    [InlineData(MainMode4)]
    public void CapturedMessages_ParseAndReserialiseByteForByte(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        Assert.True(IsakmpMessage.TryParse(bytes, out var message, out var error), error.ToString());
        Assert.Equal(bytes, message!.ToArray());
    }

    [Fact]
    public void CapturedMainMode1_CarriesTheDefaultProposalsInOrder()
    {
        Assert.True(IsakmpMessage.TryParse(Convert.FromHexString(MainMode1), out var message, out _));
        var sa = message!.Find<SecurityAssociationPayload>()!;
        var proposal = Assert.Single(sa.Proposals);
        var decoded = proposal.Transforms.Select(t => ProposalCodec.TryDecodeIke(t, out var p) ? p : null).ToList();
        Assert.Equal(
        [
            new IkeProposal(CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, DhGroup.Modp2048, TimeSpan.FromSeconds(15840)),
            new IkeProposal(CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha1, DhGroup.Modp1024, TimeSpan.FromSeconds(15840)),
            new IkeProposal(CipherAlgorithm.TripleDes, IntegrityAlgorithm.Sha1, DhGroup.Modp1024, TimeSpan.FromSeconds(15840)),
            new IkeProposal(CipherAlgorithm.TripleDes, IntegrityAlgorithm.Md5, DhGroup.Modp1024, TimeSpan.FromSeconds(15840)),
        ], decoded);
    }

    [Fact]
    public void Responder_AnswersCapturedMainMode1WithTheFirstAcceptableTransformUnchanged()
    {
        var legacyOnly = new IkeProposal(CipherAlgorithm.TripleDes, IntegrityAlgorithm.Sha1, DhGroup.Modp1024, TimeSpan.FromHours(8));
        var peer = new IkeV1PeerConfig(IPAddress.Parse("192.0.2.2"), "ABC123"u8, [legacyOnly]);
        using var engine = new IkeV1Engine(new IkeV1EngineOptions { FindPeer = _ => peer, FindQuickMode = (_, _) => null });
        var actions = new List<IkeAction>();
        var mm1 = Convert.FromHexString(MainMode1);
        engine.ProcessDatagram(mm1, new IPEndPoint(IPAddress.Parse("192.0.2.1"), 500), new IPEndPoint(IPAddress.Parse("192.0.2.2"), 500), DateTimeOffset.UnixEpoch, actions);

        var reply = Assert.Single(actions.OfType<SendDatagram>());
        Assert.True(IsakmpMessage.TryParse(reply.Datagram, out var mm2, out _));
        Assert.Equal(mm1[..8], reply.Datagram[..8]);
        var transform = Assert.Single(Assert.Single(mm2!.Find<SecurityAssociationPayload>()!.Proposals).Transforms);
        Assert.True(IsakmpMessage.TryParse(mm1, out var parsed, out _));
        Assert.Equal(parsed!.Find<SecurityAssociationPayload>()!.Proposals[0].Transforms[2].BodyBytes(), transform.BodyBytes());
        Assert.Contains(mm2.Payloads.OfType<VendorIdPayload>(), v => v.Data.SequenceEqual(Convert.FromHexString("4a131c81070358455c5728f20e95452f")));
    }
}
