// An empty program: linked against one library with --no-as-needed, its
// dynamic section lists every shared library that library brings in.
int main() { return 0; }
