"""Models that sagegate ships ready to serve; `movielens` is the default `movie-ratings`."""
