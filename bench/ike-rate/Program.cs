using System.Globalization;
using Rampart.IkeRate;

// ike-rate engines [COUNT] [THREADS]     Rampart IKEv1 engines negotiating in memory
// ike-rate echo PORT ADDRESSES...         the UDP echo server on the responder host
// ike-rate probe --port N --concurrency K ADDRESSES...   negotiations through two agents, on the initiator host
var mode = args.Length > 0 ? args[0] : "engines";
var rest = args.Length > 0 ? args[1..] : [];
switch (mode)
{
    case "engines":
        var count = rest.Length > 0 ? int.Parse(rest[0], CultureInfo.InvariantCulture) : 2000;
        var threads = rest.Length > 1 ? int.Parse(rest[1], CultureInfo.InvariantCulture) : 2;
        return EngineBenchmark.Run(count, threads);
    case "echo" when rest.Length > 1 && int.TryParse(rest[0], CultureInfo.InvariantCulture, out var port):
        if (!AddressRange.TryParseAll(rest[1..], out var addresses, out var bad))
        {
            Console.Error.WriteLine($"ike-rate echo: not an address or range: {bad}");
            return 2;
        }

        return await UdpEchoServer.RunAsync(port, addresses).ConfigureAwait(false);
    case "probe":
        return await ProbeCommand.RunAsync(rest).ConfigureAwait(false);
    default:
        Console.Error.WriteLine("usage: ike-rate engines [COUNT] [THREADS] | echo PORT ADDRESSES... | probe --port N --concurrency K ADDRESSES...");
        return 2;
}
