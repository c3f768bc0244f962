using Rampart.Store;
using Rampart.Store.CrashWriter;

// Writes to the store in RAMPART_HOME-style directory args[0] until killed, printing each committed write's number.
using var store = SqlitePolicyStore.Open(args[0]);
while (true)
{
    var result = store.Update(CrashSteps.Next);
    if (!result.Committed)
    {
        Console.Error.WriteLine(string.Join("; ", result.Errors));
        return 1;
    }

    Console.WriteLine(result.Message);
    Console.Out.Flush();
}
