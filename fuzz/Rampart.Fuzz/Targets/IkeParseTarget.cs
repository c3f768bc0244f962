using Rampart.Ike.Wire;

namespace Rampart.Fuzz.Targets;

/// <summary>
/// The ISAKMP codec on arbitrary bytes: a whole message, and a payload chain as the engine parses a decrypted body.
/// What parses must re-serialise to bytes that parse to the same bytes again.
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
        }

        // A decrypted body: the first byte plays the header's Next Payload.
        if (input.Length > 0)
        {
            var payloads = new List<IsakmpPayload>();
            if (PayloadChain.TryParse((PayloadType)input[0], input[1..], payloads, out var consumed, out _) && consumed > input.Length - 1)
            {
                throw new FuzzInvariantException("the payload chain consumed more bytes than it was given");
            }
        }
    }

    public IEnumerable<(string Name, byte[] Input)> Seeds() =>
        IkeEngineTarget.RecordNegotiation().Select((d, i) => ($"exchange-{i + 1:D2}", d.Datagram));
}
