module example.com/gowiki

go 1.19
