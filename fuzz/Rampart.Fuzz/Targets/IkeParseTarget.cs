using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;
using Rampart.Ike;
using Rampart.Ike.V1;
using Rampart.Ike.Wire;

namespace Rampart.Fuzz.Targets;

/// <summary>
/// The ISAKMP codec on arbitrary bytes: a whole message, and a payload chain as the engine parses a decrypted body.
/// What parses must re-serialise to bytes that parse to the same bytes again. The payloads are then read as the
/// engine reads them: SA payloads matched against main mode and quick mode proposals, IDs as quick mode selectors.
/// </summary>
internal sealed class IkeParseTarget : IFuzzTarget
{
    public string Name => "ike-parse";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (IsakmpMessage.TryParse(input, out var message, out _))
        {
            var written = message!.ToArray();
            if (!IsakmpMessage.TryParse(written, out var again, out var error))
            {
                throw new FuzzInvariantException($"a parsed message re-serialises to bytes that do not parse ({error})");
            }

            if (!written.AsSpan().SequenceEqual(again!.ToArray()))
            {
                throw new FuzzInvariantException("a parsed message does not re-serialise to the same bytes twice");
            }

            Interpret(message.Payloads);
        }

        // A decrypted body: the first byte plays the header's Next Payload.
        if (input.Length > 0)
        {
            var payloads = new List<IsakmpPayload>();
            if (PayloadChain.TryParse((PayloadType)input[0], input[1..], payloads, out var consumed, out _))
            {
                if (consumed > input.Length - 1)
                {
                    throw new FuzzInvariantException("the payload chain consumed more bytes than it was given");
                }

                Interpret(payloads);
            }
        }
    }

    private static readonly IkeProposal[] MainModeProposals =
    [
        new(CipherAlgorithm.AesCbc256, IntegrityAlgorithm.Sha256, DhGroup.Ecp256, TimeSpan.FromHours(8)),
        new(CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha1, DhGroup.Modp2048, TimeSpan.FromHours(8)),
    ];

    private static readonly QuickModePolicy QuickMode = new(
    [
        new IpsecProposal(SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None, 900, 100_000),
        new IpsecProposal(SaProtocol.Esp, CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, 3600, 0),
        new IpsecProposal(SaProtocol.Ah, CipherAlgorithm.Null, IntegrityAlgorithm.Sha256, 900, 100_000),
    ], DhGroup.Ecp256, SaMode.Tunnel);

    private static void Interpret(IEnumerable<IsakmpPayload> payloads)
    {
        foreach (var payload in payloads)
        {
            switch (payload)
            {
                case SecurityAssociationPayload sa:
                    ProposalSelection.ChooseIke(sa, MainModeProposals, out _);
                    ProposalSelection.ChooseIpsec(sa, QuickMode, udpEncapsulated: false, out _);
                    ProposalSelection.ChooseIpsec(sa, QuickMode, udpEncapsulated: true, out _);
                    break;
                case IdentificationPayload id:
                    ProxyIdentity.TryFromPayload(id, out _);
                    break;
            }
        }
    }

    /// <summary>A real negotiation's datagrams, and its quick mode and informational messages in clear.</summary>
    public IEnumerable<(string Name, byte[] Input)> Seeds() =>
        IkeEngineTarget.RecordNegotiation().Select((d, i) => ($"exchange-{i + 1:D2}", d.Datagram))
            .Concat(IkeEngineTarget.PlaintextSeeds(IkeEngineTarget.Setups[1]).Select(p => (p.Name, p.Plaintext)));
}
