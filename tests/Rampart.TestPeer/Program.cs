using Rampart.DataPath.Linux;
using Rampart.TestPeer;

// A stand-in agent for tests that must kill a real process: run inside a namespace with `ip netns exec`
// after the test installed the chains; serves the outbound and inbound queues with the XOR stand-in
// until it is killed. Usage: Rampart.TestPeer standin OUTBOUND_QUEUE INBOUND_QUEUE MARK
if (args.Length != 4 || args[0] != "standin"
    || !ushort.TryParse(args[1], out ushort outboundQueue)
    || !ushort.TryParse(args[2], out ushort inboundQueue)
    || !uint.TryParse(args[3], out uint mark))
{
    Console.Error.WriteLine("usage: Rampart.TestPeer standin OUTBOUND_QUEUE INBOUND_QUEUE MARK");
    return 2;
}

using var outbound = new PacketQueue(new NfQueueSocket(outboundQueue), new XorStandInTransform(outbound: true, mark));
using var inbound = new PacketQueue(new NfQueueSocket(inboundQueue), new XorStandInTransform(outbound: false, mark));
outbound.Start();
inbound.Start();
Console.WriteLine("ready");
Thread.Sleep(Timeout.Infinite);
return 0;
