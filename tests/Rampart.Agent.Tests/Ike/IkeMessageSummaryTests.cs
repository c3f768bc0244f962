using Rampart.Agent.Ike;
using Rampart.Ike.Wire;

namespace Rampart.Agent.Tests.Ike;

public class IkeMessageSummaryTests
{
    [Fact]
    public void Fragment_IsTracedAsAFragment_NotAsAMalformedChain()
    {
        var fragment = new IkeFragment(0x2a, 3, isLast: true, new byte[100]).ToMessage(0x0102030405060708, 0x1112131415161718);

        var line = IkeMessageSummary.Describe(fragment);

        Assert.Equal("IdentityProtection CKY-I 0102030405060708 CKY-R 1112131415161718 MID 00000000 flags None 136 bytes fragment 3 (last) of message 002a, 100 bytes", line);
    }
}
