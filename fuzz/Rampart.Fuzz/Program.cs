using Rampart.Fuzz;
using SharpFuzz;

// rampart-fuzz TARGET              run under afl-fuzz (SharpFuzz's in-process fork server: one process, many inputs)
// rampart-fuzz TARGET FILE...      replay inputs (crash triage); exit 1 if any of them crashes
// rampart-fuzz seeds TARGET DIR    write the target's seed corpus
if (args.Length >= 3 && args[0] == "seeds" && FuzzTargets.Create(args[1]) is { } seeded)
{
    Directory.CreateDirectory(args[2]);
    foreach (var (name, input) in seeded.Seeds())
    {
        File.WriteAllBytes(Path.Combine(args[2], name), input);
    }

    return 0;
}

if (args.Length == 0 || !FuzzTargets.Names.Contains(args[0]))
{
    Console.Error.WriteLine($"usage: rampart-fuzz TARGET [FILE...] | seeds TARGET DIR; targets: {string.Join(", ", FuzzTargets.Names)}");
    return 2;
}

if (args.Length == 1)
{
    // Instrumented code may run only inside Fuzzer.Run (it writes to afl-fuzz's shared memory): create the target there.
    IFuzzTarget? fuzzed = null;
    var buffer = new MemoryStream();
    Fuzzer.Run(stream =>
    {
        fuzzed ??= FuzzTargets.Create(args[0])!;
        buffer.SetLength(0);
        stream.CopyTo(buffer);
        fuzzed.Run(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    });
    return 0;
}

var target = FuzzTargets.Create(args[0])!;

var crashes = 0;
foreach (var file in args[1..])
{
    try
    {
        target.Run(File.ReadAllBytes(file));
        Console.WriteLine($"ok     {file}");
    }
#pragma warning disable CA1031 // Any exception is the finding being reported.
    catch (Exception e)
#pragma warning restore CA1031
    {
        crashes++;
        Console.WriteLine($"CRASH  {file}: {e.GetType().Name}: {e.Message}");
        Console.WriteLine(e.StackTrace);
    }
}

return crashes == 0 ? 0 : 1;
